"""The pytest plugin, driven through pytester: every mode, fixture, option, marker
check, skip message and the --help text."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake1688 import Catalog, FakeGateway
from fake1688.catalog import catalog as catalog_module
from fake1688.server import ThreadedServer

pytest_plugins = ["pytester"]

SEARCH_TESTS = """
import pytest


def test_search_finds_the_offer_in_the_photo(pailitao_client, pailitao_fake):
    offer = pailitao_fake.catalog.offers[7]
    page = pailitao_client.search_image(file=pailitao_fake.catalog.image_bytes(offer), page_size=5)
    assert page.items[0].num_iid == offer.num_iid


def test_upload_then_search_by_imgid(pailitao_client, pailitao_fake):
    offer = pailitao_fake.catalog.offers[3]
    imgid = pailitao_client.upload_image(pailitao_fake.catalog.image_bytes(offer))
    assert pailitao_client.search_image(imgid=imgid, sort="price_asc", page=2).page == 2
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PAILITAO_MODE",
        "PAILITAO_DIALECT",
        "PAILITAO_APP_KEY",
        "PAILITAO_APP_SECRET",
        "PAILITAO_ACCESS_TOKEN",
        "PAILITAO_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_help_lists_the_option_group(project: pytest.Pytester) -> None:
    result = project.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "1688 拍立淘 test harness (pailitao):",
            "  --pailitao-mode={fake,replay,record,live}",
            "  --pailitao-dialect={top,aop,reseller}",
            "*--pailitao-seed=N *",
            "*--pailitao-cassette-dir=DIR*",
        ]
    )


DIALECT_TESTS = """
import pytest


def test_the_client_speaks_the_dialect(pailitao_config, pailitao_client, pailitao_fake):
    offer = pailitao_fake.catalog.offers[7]
    page = pailitao_client.search_image(file=pailitao_fake.catalog.image_bytes(offer), page_size=5)
    assert page.items[0].num_iid == offer.num_iid
    assert pailitao_client.dialect == pailitao_config.dialect
    used = {entry.api_method for entry in pailitao_fake.journal}
    expected = {
        "top": {"1688.items.search.img"},
        "aop": {"com.alibaba.fenxiao.crossborder:product.image.upload",
                "com.alibaba.fenxiao.crossborder:product.search.imageQuery"},
        "reseller": {"reseller:upload_img", "reseller:item_search_img"},
    }
    assert used == expected[pailitao_config.dialect]


@pytest.mark.pailitao(dialect="aop")
def test_the_marker_wins(pailitao_config, pailitao_client):
    assert (pailitao_config.dialect, pailitao_client.dialect) == ("aop", "aop")
    assert pailitao_client.base_url == "http://fake1688.test/openapi"


@pytest.mark.asyncio
async def test_async_too(pailitao_config, pailitao_async_client, pailitao_fake):
    assert pailitao_async_client.dialect == pailitao_config.dialect
    offer = pailitao_fake.catalog.offers[2]
    page = await pailitao_async_client.search_image(image_url=offer.pic_url, page_size=3)
    assert page.items[0].num_iid == offer.num_iid
"""


@pytest.mark.parametrize("dialect", ["aop", "reseller"])
@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_dialect_option_and_environment_choose_the_clients_dialect(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str, dialect: str
) -> None:
    project.makepyfile(test_dialect=DIALECT_TESTS)
    project.runpytest().assert_outcomes(passed=3)  # top unless asked
    if how == "option":
        result = project.runpytest(f"--pailitao-dialect={dialect}")
    else:
        monkeypatch.setenv("PAILITAO_DIALECT", dialect)
        result = project.runpytest()
    result.assert_outcomes(passed=3)


def test_the_reseller_marker_binds_the_in_process_fake(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_x="""
        import pytest

        @pytest.mark.pailitao(dialect="reseller")
        def test_marked(pailitao_config, pailitao_client, pailitao_fake):
            assert pailitao_client.dialect == "reseller"
            assert pailitao_client.base_url == "http://fake1688.test"
            offer = pailitao_fake.catalog.offers[3]
            page = pailitao_client.search_image(image_url=offer.pic_url, sort="_sale")
            assert page.items
            (entry,) = pailitao_fake.journal
            assert entry.api_method == "reseller:item_search_img"
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_an_invalid_dialect_is_a_usage_error(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_x="""
        import pytest

        @pytest.mark.pailitao(dialect="soap")
        def test_marked(pailitao_client):
            pass
        """
    )
    result = project.runpytest()
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.pailitao: dialect must be one of top, aop, reseller, not 'soap'"]
    )
    monkeypatch.setenv("PAILITAO_DIALECT", "json")
    result = project.runpytest()
    result.stderr.fnmatch_lines(
        ["*$PAILITAO_DIALECT must be one of top, aop, reseller, not 'json'"]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_live_aop_needs_the_access_token_too(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_search=SEARCH_TESTS)
    monkeypatch.setenv("PAILITAO_APP_KEY", "k")
    monkeypatch.setenv("PAILITAO_APP_SECRET", "s")
    result = project.runpytest("--pailitao-mode=live", "--pailitao-dialect=aop", "-rs")
    result.assert_outcomes(skipped=2)
    message = (
        "pailitao live mode needs credentials: set PAILITAO_APP_KEY, PAILITAO_APP_SECRET and "
        "PAILITAO_ACCESS_TOKEN (and PAILITAO_BASE_URL to use another gateway"
    )
    assert result.stdout.str().count(message) == 2


def test_markers_are_registered(project: pytest.Pytester) -> None:
    result = project.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.pailitao(mode=None, dialect=None, seed=None, catalog=None, faults=None):*"]
    )


def test_fake_mode_is_the_default(project: pytest.Pytester) -> None:
    project.makepyfile(test_search=SEARCH_TESTS)
    project.runpytest().assert_outcomes(passed=2)


def test_async_client_in_fake_mode(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.asyncio
        async def test_async(pailitao_async_client, pailitao_fake):
            offer = pailitao_fake.catalog.offers[1]
            image = pailitao_fake.catalog.image_bytes(offer)
            items = [i async for i in pailitao_async_client.iter_search(file=image, max_items=45)]
            assert items[0].num_iid == offer.num_iid
            assert len({i.num_iid for i in items}) == 45
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_the_fake_is_reset_between_tests_and_journal_is_shown_on_failure(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        def test_one(pailitao_client, pailitao_fake):
            pailitao_client.search_image(imgid=pailitao_fake.catalog.offers[0].pic_url)
            assert len(pailitao_fake.journal) == 1

        def test_two_fails(pailitao_client, pailitao_fake):
            assert len(pailitao_fake.journal) == 0
            pailitao_client.search_image(imgid="https://cbu01.alicdn.com/img/ibank/unknown.jpg")
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*pailitao: the last requests the fake saw*",
            "#* POST /openapi/router/rest 1688.items.search.img sign passed -> 41 isv.invalid-parameter",
        ]
    )


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            'mood="fake"',
            "unknown argument 'mood' (did you mean 'mode'?); it takes mode, dialect, seed, catalog, faults",
        ),
        ('mode="offline"', "mode must be one of fake, replay, record, live, not 'offline'"),
        ("seed=-1", "seed must be a non-negative integer, not -1"),
        ('"fake"', "it takes keyword arguments only"),
        ('catalog="missing.catalog"', "catalog file '*/missing.catalog' does not exist"),
        ('faults=[{"kind": "nap"}]', "faults?0?: kind must be one of latency, platform_error,"),
        ('faults={"kind": "latency"}', "faults must be a list of Fault or dicts, not {'kind'"),
    ],
)
def test_marker_arguments_are_validated(
    project: pytest.Pytester, marker: str, message: str
) -> None:
    project.makepyfile(
        f"""
        import pytest

        @pytest.mark.pailitao({marker})
        def test_marked(pailitao_client):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*@pytest.mark.pailitao: {message}*"])


def test_marker_faults_are_injected_into_the_fake_for_that_test_only(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        """
        import pytest
        from fake1688 import Fault

        @pytest.mark.pailitao(faults=[{"kind": "http_error", "status": 503, "times": 2},
                                      Fault(kind="latency", delay=0.001, times=1)])
        def test_the_client_retries_through(pailitao_client, pailitao_fake):
            page = pailitao_client.search_image(imgid=pailitao_fake.catalog.offers[0].pic_url)
            assert page.items
            calls = pailitao_fake.journal.assert_called("1688.items.search.img", times=3)
            assert [call.status for call in calls] == [503, 503, 200]
            assert calls[0].fault == "latency 1 ms, http_error 503"

        def test_the_next_test_has_none(pailitao_fake):
            assert len(pailitao_fake.faults) == 0
            pailitao_fake.faults.next(1, "platform_error", code=15)

        @pytest.mark.asyncio
        @pytest.mark.pailitao(faults=[{"kind": "connection_reset", "times": 1}])
        async def test_async(pailitao_async_client, pailitao_fake):
            page = await pailitao_async_client.search_image(imgid=pailitao_fake.catalog.offers[1].pic_url)
            assert page.items
            assert [e.fault for e in pailitao_fake.journal] == ["connection_reset", None]
        """
    )
    project.runpytest().assert_outcomes(passed=3)


def test_marker_faults_skip_outside_the_fake(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.pailitao(mode="replay", faults=[{"kind": "http_error"}])
        def test_marked(pailitao_client):
            pass
        """
    )
    result = project.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*faults= needs the fake gateway; this run is in replay mode*"])


@pytest.fixture
def small_other_catalogs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Catalogs of seeds other than 0 hold 200 offers in this test, not 4,000: only seed 0's
    fingerprints ship, and computing 4,000 takes 40 s (the inner runs are in process)."""
    monkeypatch.setattr(catalog_module, "DEFAULT_SIZE", 200)
    catalog_module._default.cache_clear()
    yield
    catalog_module._default.cache_clear()


@pytest.mark.usefixtures("small_other_catalogs")
def test_marker_and_option_choose_mode_and_seed(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        def test_from_option(pailitao_config, pailitao_fake):
            assert (pailitao_config.mode, pailitao_config.seed) == ("fake", 3)

        @pytest.mark.pailitao(seed=5)
        def test_marker_wins(pailitao_config, pailitao_fake):
            assert pailitao_config.seed == 5
            assert pailitao_fake.catalog.offers[0].num_iid != _seed_zero_first()

        def _seed_zero_first():
            from fake1688 import Catalog
            return Catalog.default(0).offers[0].num_iid
        """
    )
    project.runpytest("--pailitao-seed", "3").assert_outcomes(passed=2)


def test_an_invalid_mode_in_the_environment_is_a_usage_error(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAILITAO_MODE", "staging")
    result = project.runpytest()
    result.stderr.fnmatch_lines(
        ["*$PAILITAO_MODE must be one of fake, replay, record, live, not 'staging'*"]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


@pytest.mark.parametrize("mode", ["live", "record"])
def test_live_and_record_skip_without_credentials(project: pytest.Pytester, mode: str) -> None:
    project.makepyfile(test_search=SEARCH_TESTS)
    result = project.runpytest(f"--pailitao-mode={mode}", "-rs")
    result.assert_outcomes(skipped=2)
    message = (
        f"pailitao {mode} mode needs credentials: set PAILITAO_APP_KEY and PAILITAO_APP_SECRET "
        "(and PAILITAO_BASE_URL to use another gateway, e.g. a running `fake1688 serve`)"
    )
    assert result.stdout.str().count(message) == 2


def test_record_against_a_running_fake_then_replay_offline(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_rec="""
        def test_search(pailitao_client):
            page = pailitao_client.search_image(image_url=_url(), cat=None, sort="sales_desc", page=2)
            assert page.page == 2 and page.items

        def _url():
            from fake1688 import Catalog
            return Catalog.default(0).offers[11].pic_url
        """
    )
    with ThreadedServer(FakeGateway()) as server:
        monkeypatch.setenv("PAILITAO_APP_KEY", "test_app_key")
        monkeypatch.setenv("PAILITAO_APP_SECRET", "test_app_secret")
        monkeypatch.setenv("PAILITAO_BASE_URL", server.base_url)
        project.runpytest("--pailitao-mode=record").assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "1688" / "test_rec" / "test_search.yaml"
    text = cassette.read_text(encoding="utf-8")
    assert "sort=sales_desc" in text
    assert "test_app_secret" not in text
    for name in ("PAILITAO_APP_KEY", "PAILITAO_APP_SECRET", "PAILITAO_BASE_URL"):
        monkeypatch.delenv(name)
    project.runpytest("--pailitao-mode=replay").assert_outcomes(passed=1)  # the server is gone
    monkeypatch.setenv("PAILITAO_MODE", "replay")
    project.runpytest().assert_outcomes(passed=1)
    cassette.write_text(text.replace("sort=sales_desc", "sort=price_asc"), encoding="utf-8")
    result = project.runpytest("--pailitao-mode=replay")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*param 'sort': recorded 'price_asc', this request 'sales_desc'*",
            "*re-record it: pytest --pailitao-mode=record --pailitao-record=all "
            "test_rec.py::test_search*",
        ]
    )


@pytest.mark.parametrize(
    ("mode", "missing", "extra"),
    [("replay", "pailitao.recording", "record"), ("fake", "fake1688", "fake")],
)
def test_a_missing_extra_is_one_line_naming_it(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mode: str, missing: str, extra: str
) -> None:
    monkeypatch.setenv("PAILITAO_APP_KEY", "test_app_key")
    monkeypatch.setenv("PAILITAO_APP_SECRET", "test_app_secret")
    # As if the extra were not installed (pytester restores sys.modules afterwards).
    project.makeconftest(f"import sys\nsys.modules[{missing!r}] = None\n")
    project.makepyfile(test_x="def test_search(pailitao_client):\n    pass\n")
    result = project.runpytest(f"--pailitao-mode={mode}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            f"*--pailitao-mode={mode} needs pailitao[[]{extra}[]]: pip install 'pailitao[[]{extra}[]]'*"
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_cassette_dir_option(
    project: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_dir=f"""
        def test_where(pailitao_config):
            assert pailitao_config.cassette.parts[-2:] == ("test_dir", "test_where.yaml")
            assert str(pailitao_config.cassette).startswith({str(tmp_path)!r})
        """
    )
    project.runpytest(f"--pailitao-cassette-dir={tmp_path}").assert_outcomes(passed=1)


def test_server_fixture_serves_requests(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import requests
        from pailitao.wire import signing

        def test_over_http(pailitao_server):
            params = {"method": "1688.upload.img", "app_key": pailitao_server.app_key, "v": "2.0",
                      "timestamp": signing.format_timestamp(), "format": "json"}
            params["sign"] = signing.sign(params, pailitao_server.app_secret)
            answer = requests.post(pailitao_server.base_url, data=params, timeout=5).json()
            assert answer["error_response"]["code"] == 40
            assert pailitao_server.url.startswith("http://127.0.0.1:")
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_respx_fixture_routes_your_own_httpx_client(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import httpx
        from pailitao.wire import signing

        def test_own_client(pailitao_respx, pailitao_fake):
            params = {"method": "1688.items.search.img", "app_key": "test_app_key", "v": "2.0",
                      "timestamp": signing.format_timestamp(), "format": "json",
                      "imageUrl": pailitao_fake.catalog.offers[2].pic_url}
            params["sign"] = signing.sign(params, "test_app_secret")
            answer = httpx.post("https://api.1688.com/openapi/router/rest", data=params).json()
            items = answer["1688_items_search_img_response"]["items"]["item"]
            assert items[0]["num_iid"] == pailitao_fake.catalog.offers[2].num_iid
            assert pailitao_respx.calls.call_count == 1
        """
    )
    project.runpytest().assert_outcomes(passed=1)


@pytest.mark.usefixtures("small_other_catalogs")
def test_pailitao_config_is_the_override_point(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import dataclasses
        import pytest

        @pytest.fixture
        def pailitao_config(pailitao_config):
            return dataclasses.replace(pailitao_config, seed=4)
        """
    )
    project.makepyfile(
        """
        def test_overridden(pailitao_config, pailitao_fake, pailitao_client):
            assert pailitao_config.seed == 4
            offer = pailitao_fake.catalog.offers[0]
            assert pailitao_client.search_image(imgid=offer.pic_url).items[0].num_iid == offer.num_iid
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_a_marker_s_catalog_path_is_taken_from_the_rootdir(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:

    (project.path / "data").mkdir()
    Catalog.default().save(project.path / "data" / "mine.zip")
    tests = project.mkdir("sub")
    (tests / "test_catalog_marker.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.pailitao(catalog='data/mine.zip')\n"
        "def test_marked(pailitao_config, pailitao_fake, pytestconfig):\n"
        "    assert pailitao_config.catalog == pytestconfig.rootpath / 'data' / 'mine.zip'\n"
        "    assert len(pailitao_fake.catalog.offers) == 4000\n"
    )
    monkeypatch.chdir(tests)  # started from a subfolder: the path still means the rootdir's
    result = project.runpytest()
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("args", "env", "header"),
    [
        ((), {}, "pailitao: mode fake, dialect top, gateway the in-process fake (http://*)"),
        (
            ("--pailitao-mode=replay", "--pailitao-dialect=aop"),
            {},
            "pailitao: mode replay, dialect aop, gateway the cassettes' recorded base URL",
        ),
        (
            ("--pailitao-mode=live",),
            {"PAILITAO_DIALECT": "reseller"},
            "pailitao: mode live, dialect reseller, gateway https://api-gw.onebound.cn*",
        ),
        (
            ("--pailitao-mode=record",),
            {"PAILITAO_BASE_URL": "http://127.0.0.1:8688/router/rest"},
            "pailitao: mode record, dialect top, gateway http://127.0.0.1:8688/router/rest",
        ),
    ],
)
def test_the_header_says_mode_dialect_and_gateway(
    project: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: dict[str, str],
    header: str,
) -> None:
    for name in ("PAILITAO_MODE", "PAILITAO_DIALECT", "PAILITAO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    project.makepyfile("def test_nothing():\n    pass\n")
    result = project.runpytest(*args)
    result.stdout.fnmatch_lines([header])
