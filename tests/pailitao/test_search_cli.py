"""`pailitao search`: exact tables for the seed-0 fake, JSON, and errors without tracebacks."""

import io
import json
import sys
from pathlib import Path

import pytest
from fake1688 import Catalog, FakeGateway
from fake1688.server import ThreadedServer

from pailitao import RetryPolicy, parse_search_response
from pailitao.cli import main
from pailitao.cli._search import text_width, truncate

TABLE = """\
page 1 of 27: 107 offers, 4 per page

#  title                                 price  sales  seller           area  link
1  办公A4黄色剪刀大容量一件代发           0.60   7561  汕头市盛世文具…  汕头  https://detail.1688.com/offer/762708165868.html
2  新款简约中性黄色计算器0.5mm文具…       1.15      8  温州优品办公用…  温州  https://detail.1688.com/offer/686776130342.html
3  跨境办公加厚黄色中性笔0.5mm       1.40-2.15      3  汕头市盛世文具…  汕头  https://detail.1688.com/offer/600197959397.html
4  爆款卡通黄色水枪男孩幼儿园礼物    2.30-3.55     13  汕头市明辉玩具…  汕头  https://detail.1688.com/offer/600975488909.html

more: --page 2
"""

LAST_PAGE = """\
page 27 of 27: 107 offers, 4 per page

  #  title                                    price  sales  seller           area  link
105  2025新款卡通塑料黄色玩偶女孩地…           8.70      8  义乌市优品玩具…  义乌  https://detail.1688.com/offer/747126370645.html
106  2024新货原味休闲黄色饼干零食批发   23.70-33.60  88313  柳州市瑞丰食品…  柳州  https://detail.1688.com/offer/753624485596.html
107  2025新款家用碳钢黄色电钻套装      74.70-118.70    244  永康市富康工具…  永康  https://detail.1688.com/offer/797285320219.html
"""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.default(0)


@pytest.fixture
def photo(tmp_path: Path, catalog: Catalog) -> Path:
    """The first seed-0 offer's photo, as a file."""
    path = tmp_path / "photo.jpg"
    path.write_bytes(catalog.image_bytes(catalog.offers[0]))
    return path


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["search", *argv], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_the_resellers_dialect_in_the_fake(photo: Path, catalog: Catalog) -> None:
    argv = ["--fake", "--dialect", "reseller", str(photo), "--page-size", "4", "--sort", "_sale"]
    status, out, err = run([*argv, "--json"])
    assert (status, err) == (0, "")
    page = json.loads(out)
    assert (page["page"], page["page_size"], len(page["item"])) == (1, 4, 4)
    sales = [int(item["sales"]) for item in page["item"]]
    assert sales == sorted(sales, reverse=True)
    status, out, err = run([str(photo), "--fake", "--dialect", "reseller", "--country", "de"])
    assert (status, out) == (2, "")
    assert "country must be one of cn, en, ru with dialect='reseller', not 'de'" in err


def test_the_open_platform_dialect_in_the_fake(photo: Path, catalog: Catalog) -> None:
    argv = ["--fake", "--dialect", "aop", "--country", "ru", str(photo), "--page-size", "4"]
    status, out, err = run([*argv, "--json"])
    assert (status, err) == (0, "")
    page = json.loads(out)
    assert (page["page"], page["page_size"], len(page["item"])) == (1, 4, 4)
    assert page["item"][0]["offerId"] == int(catalog.offers[0].num_iid)
    assert page["aop"]["code"] == "200"
    status, out, err = run(argv)
    assert (status, err) == (0, "")
    assert (
        out.splitlines()[0]
        == f"page 1 of {page['pagecount']}: {page['total_results']} offers, 4 per page"
    )
    assert catalog.offers[0].detail_url in out


def test_prints_a_padded_table_with_page_and_total(photo: Path) -> None:
    status, out, err = run(["--fake", str(photo), "--page-size", "4", "--sort", "price_asc"])
    assert (status, err) == (0, "")
    assert out == TABLE
    lines = out.splitlines()[2:7]
    # Every column starts at the same terminal cell, wide characters counted twice.
    starts = {text_width(line[: line.index("https://")]) for line in lines[1:]}
    assert starts == {text_width(lines[0][: lines[0].index("link")])}


def test_numbers_rows_across_pages_and_stops_offering_more_on_the_last(photo: Path) -> None:
    status, out, _ = run(["--fake", str(photo), "--page-size", "4", "--page", "27"])
    assert (status, out) == (0, LAST_PAGE)


def test_a_page_past_the_end_says_so(photo: Path) -> None:
    status, out, _ = run(["--fake", str(photo), "--page", "99"])
    assert (status, out) == (0, "page 99 of 6: 107 offers, 20 per page\nno offers on this page\n")


def test_no_result_at_all_says_so_without_a_page_count(photo: Path) -> None:
    status, out, _ = run(["--fake", str(photo), "--cat", "99999"])
    assert (status, out) == (0, "no offers found\n")


def test_json_is_the_parsed_page_in_the_platforms_spelling(photo: Path) -> None:
    status, out, _ = run(["--fake", str(photo), "--page-size", "3", "--json"])
    assert status == 0
    data = json.loads(out)
    assert set(data) == {"item", "page", "page_size", "pagecount", "total_results",
                         "real_total_results", "request_id"}  # fmt: skip
    page = parse_search_response({"1688_items_search_img_response": {"items": data}})
    assert [item.num_iid for item in page.items] == ["683393377085", "727378794766", "675011522857"]
    assert "683393377085" in out
    assert "\\u" not in out


def test_a_catalog_url_is_searched_as_image_url(catalog: Catalog) -> None:
    url = catalog.offers[0].pic_url
    status, out, _ = run(["--fake", url, "--page-size", "1", "--json"])
    assert status == 0
    assert json.loads(out)["item"][0]["num_iid"] == catalog.offers[0].num_iid


def test_imgid_flag_sends_the_url_as_imgid(catalog: Catalog) -> None:
    status, _, err = run(["--fake", "--imgid", "https://cbu01.alicdn.com/img/ibank/x.jpg"])
    assert status == 1
    assert err.startswith("pailitao search: error 41 Invalid Arguments [isv.invalid-parameter]: ")
    assert "imgid" in err


def test_an_api_error_is_code_message_and_hint_with_status_1() -> None:
    status, out, err = run(["--fake", "https://cbu01.alicdn.com/img/ibank/O1CN01none.jpg"])
    assert (status, out) == (1, "")
    first, second = err.splitlines()
    assert first.startswith("pailitao search: error 41 Invalid Arguments [isv.invalid-parameter]: ")
    assert "the fake never goes online" in first
    assert second == "hint: sub_msg names the argument; see `pailitao search --help`"
    assert "Traceback" not in err


def test_live_mode_reads_credentials_and_base_url_from_the_environment(
    photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ThreadedServer(FakeGateway()) as server:
        monkeypatch.setenv("PAILITAO_APP_KEY", "test_app_key")
        monkeypatch.setenv("PAILITAO_APP_SECRET", "wrong_secret")
        monkeypatch.setenv("PAILITAO_BASE_URL", server.base_url)
        status, _, err = run([str(photo)])
        assert status == 1
        first, second = err.splitlines()
        assert first.startswith(
            "pailitao search: error 25 Invalid signature [isv.invalid-parameter]"
        )
        assert second.startswith("hint: compare your canonical string")
        assert "wrong_secret" not in err
        monkeypatch.setenv("PAILITAO_APP_SECRET", "test_app_secret")
        monkeypatch.setenv("PAILITAO_BASE_URL", "http://127.0.0.1:9/nowhere")
        status, out, _ = run([str(photo), "--base-url", server.base_url, "--page-size", "1"])
        assert status == 0
        assert out.startswith("page 1 of 107: 107 offers, 1 per page\n")


def test_an_unreachable_gateway_is_one_error_with_a_hint(
    photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAILITAO_APP_KEY", "k")
    monkeypatch.setenv("PAILITAO_APP_SECRET", "s")
    monkeypatch.setattr("pailitao.cli._search.CLI_RETRY", RetryPolicy.disabled())
    status, _, err = run([str(photo), "--base-url", "http://127.0.0.1:9/openapi/router/rest"])
    assert status == 1
    assert err.splitlines()[-1] == (
        "hint: is the gateway reachable? check --base-url or $PAILITAO_BASE_URL"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.jpg", "--fake"], "no such file: missing.jpg (give a photo file, or an http(s) image URL)"),
        (["PHOTO", "--fake", "--imgid"], "--imgid needs the URL (or the aop imageId) that upload returned, not a file"),
        (["PHOTO", "--fake", "--country", "en"], "--country needs --dialect aop or reseller: it names the language of their titles"),
        (["PHOTO", "--dialect", "aop"], "set PAILITAO_APP_KEY, PAILITAO_APP_SECRET and PAILITAO_ACCESS_TOKEN to search the live API, "
                                        "or pass --fake to search the offline fake"),
        (["PHOTO", "--fake", "--page-size", "51"], "page_size must be an integer from 1 to 50"),
        (["PHOTO"], "set PAILITAO_APP_KEY and PAILITAO_APP_SECRET to search the live API, "
                    "or pass --fake to search the offline fake"),
        (["NOT_AN_IMAGE", "--fake"], "not a supported image (JPEG, PNG, WebP, GIF or BMP)"),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_with_status_2(
    argv: list[str], message: str, photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAILITAO_APP_KEY", raising=False)
    monkeypatch.delenv("PAILITAO_APP_SECRET", raising=False)
    text = photo.with_name("notes.txt")
    text.write_text("hello")
    argv = [str(photo) if a == "PHOTO" else str(text) if a == "NOT_AN_IMAGE" else a for a in argv]
    status, out, err = run(argv)
    assert (status, out) == (2, "")
    assert err.startswith("pailitao search: error: ")
    assert message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("base_url", "secret", "message"),
    [
        ("http://[::1", "s", "base_url must be an http(s) URL, not 'http://[::1'"),
        ("http://x.test/", "s\udcffcret", "app_secret must be text that UTF-8 can encode"),
    ],
)
def test_a_bad_base_url_or_secret_is_one_line_with_status_2(
    base_url: str, secret: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAILITAO_APP_KEY", "k")
    monkeypatch.setenv("PAILITAO_APP_SECRET", secret)
    status, out, err = run(["--base-url", base_url, "http://a.test/b.jpg"])
    assert (status, out, err) == (2, "", f"pailitao search: error: {message}\n")


def test_bad_option_values_are_argparse_usage_errors(photo: Path) -> None:
    for argv in (["--page", "0"], ["--sort", "cheapest"], ["--fake", "--base-url", "http://x"]):
        with pytest.raises(SystemExit) as exited:
            run([str(photo), *argv])
        assert exited.value.code == 2


def test_fake_without_fake1688_installed_says_how_to_install(
    photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fake1688", None)
    status, _, err = run(["--fake", str(photo)])
    assert status == 2
    assert (
        err
        == "pailitao search: error: --fake needs the fake gateway: pip install 'pailitao[fake]'\n"
    )


@pytest.mark.parametrize(
    ("text", "width"), [("abc", 3), ("拍立淘", 6), ("T恤", 3), ("é", 1), ("ｆｕｌｌ", 8)]
)
def test_text_width_counts_wide_characters_twice(text: str, width: int) -> None:
    assert text_width(text) == width


def test_truncate_fits_the_width_and_marks_the_cut() -> None:
    assert truncate("短标题", 10) == "短标题"
    assert truncate("2024新款韩版宽松纯棉短袖T恤女", 12) == "2024新款韩…"
    assert text_width(truncate("新款北欧不锈钢餐具套装", 9)) <= 9


def test_a_closed_pipe_is_not_a_traceback(photo: Path) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    err = io.StringIO()
    assert main(["search", "--fake", str(photo)], out=ClosedPipe(), err=err) == 1
    assert err.getvalue() == ""
