"""The plugin under pytest-xdist: every worker runs its own fake server and port."""

import json
from typing import Any

import pytest

pytest_plugins = ["pytester"]


def test_each_xdist_worker_gets_its_own_server(pytester: pytest.Pytester, tmp_path) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    out = tmp_path / "ports"
    out.mkdir()
    pytester.makepyfile(
        f"""
        import json, os, pathlib
        import pytest
        import requests

        @pytest.mark.parametrize("n", range(6))
        def test_server(pailitao_server, pailitao_client, pailitao_fake, n):
            assert requests.get(pailitao_server.url + "/__nothing__", timeout=5).status_code == 404
            offer = pailitao_fake.catalog.offers[n]
            page = pailitao_client.search_image(imgid=offer.pic_url, page_size=3)
            assert page.items[0].num_iid == offer.num_iid
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            path = pathlib.Path({str(out)!r}) / (worker + ".json")
            path.write_text(json.dumps(pailitao_server.url))
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=6)
    urls = {path.stem: json.loads(path.read_text()) for path in out.iterdir()}
    assert sorted(urls) == ["gw0", "gw1"]
    assert len(set(urls.values())) == 2


def test_a_record_run_s_summary_counts_every_worker_s_cassettes(
    pytester: pytest.Pytester, upstream: Any
) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        test_pages="""
        import pytest
        from fake1688 import Catalog

        @pytest.mark.parametrize("page", [1, 2, 3, 4])
        def test_page(pailitao_client, page):
            photo = Catalog.default(0).offers[5].pic_url
            assert pailitao_client.search_image(imgid=photo, page=page).page == page
        """
    )
    first = pytester.runpytest_subprocess("-n", "2", "-p", "xdist", "--pailitao-mode=record")
    first.assert_outcomes(passed=4)
    first.stdout.fnmatch_lines(
        [
            "*= pailitao recording =*",
            "4 new interaction(s) recorded in 4 cassette(s):",
            *(f"  cassettes/1688/test_pages/test_page_{page}.yaml (+1)" for page in range(1, 5)),
        ]
    )
    again = pytester.runpytest_subprocess("-n", "2", "-p", "xdist", "--pailitao-mode=record")
    again.assert_outcomes(passed=4)
    again.stdout.fnmatch_lines(["nothing new recorded: every request was in its cassette*"])
