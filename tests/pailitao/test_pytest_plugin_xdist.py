"""The plugin under pytest-xdist: every worker runs its own fake server and port."""

import json

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
