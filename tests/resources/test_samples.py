"""The "try a sample" files are listed, shipped and read without errors."""

from __future__ import annotations

import pytest

from pinscope import resources
from pinscope.core.inspection import inspect_path
from pinscope.core.sources import Passwords

NAMES = [sample.name for sample in resources.sample_files()]


@pytest.mark.parametrize("sample", resources.sample_files(), ids=NAMES)
def test_sample_is_read_without_errors(sample: resources.Sample) -> None:
    inspection = inspect_path(resources.sample_path(sample.name), Passwords(sample.password))

    assert inspection.error is None
    assert inspection.source is not None
    assert inspection.source.entries


def test_every_sample_file_is_listed_and_described() -> None:
    folder = resources.sample_path(NAMES[0]).parent
    files = {path.name for path in folder.iterdir()} - {"README.md"}
    readme = (folder / "README.md").read_text(encoding="utf-8")

    assert files == set(NAMES)
    assert all(f"`{name}`" in readme for name in NAMES)


def test_a_sample_that_needs_a_password_says_it_in_its_title() -> None:
    protected = [sample for sample in resources.sample_files() if sample.password]

    assert protected
    assert all(sample.password in sample.title for sample in protected if "p12" in sample.name)


def test_missing_intermediate_sample_shows_that_finding() -> None:
    inspection = inspect_path(resources.sample_path("missing-intermediate.pem"))

    assert "chain.missing-intermediate" in {finding.code for finding in inspection.findings}


def test_read_sample_returns_the_file_and_refuses_other_names() -> None:
    assert resources.read_sample("request.csr").startswith(b"-----BEGIN CERTIFICATE REQUEST")
    with pytest.raises(ValueError, match="no sample named"):
        resources.read_sample("../__init__.py")
