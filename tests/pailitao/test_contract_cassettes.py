"""The repository's own cassettes meet the contract, and replay on the fake without drift."""

from pathlib import Path

from fake1688 import FakeGateway

from pailitao.contract.check import check_files
from pailitao.contract.replay import diff_cassettes

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def test_recorded_cassettes_conform() -> None:
    report = check_files([CASSETTES])
    assert [str(failure) for failure in report.failures] == []
    assert report.answers > 0


def test_recorded_cassettes_replay_on_the_fake_without_drift() -> None:
    report = diff_cassettes([CASSETTES], FakeGateway(seed=0))
    assert report.drifting == []
    assert report.compared > 0
