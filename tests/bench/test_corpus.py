"""bench.corpus: the gate's lint layer on templates written by others raises no blocker that is
not documented as true, and the corpora it measures are the ones it says."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from bench import corpus
from gate.findings import Finding

WIDDIX = corpus.templates("widdix")
CFN_MODULES = corpus.templates("cfn-modules")
CASES = [("widdix", p) for p in WIDDIX] + [("cfn-modules", p) for p in CFN_MODULES]


def test_the_vendored_widdix_corpus_is_whole_with_its_licence() -> None:
    assert len(WIDDIX) == 65
    assert (corpus.WIDDIX / "LICENSE").is_file()
    assert "1a9f04f934179975a3a56c2496d2ed2b27598bd8" in (corpus.WIDDIX / "SOURCE.md").read_text()


def test_every_cfn_modules_package_is_pinned_once_to_an_exact_version() -> None:
    names = [name for name, _ in corpus.CFN_MODULES_PINS]
    assert len(names) == len(set(names)) >= 40
    assert all(
        v.count(".") == 2 and v.replace(".", "").isdigit() for _, v in corpus.CFN_MODULES_PINS
    )


def test_every_documented_true_blocker_says_why() -> None:
    assert all(len(why) > 40 for why in corpus.TRUE_BLOCKERS.values())


@pytest.mark.slow
@pytest.mark.parametrize(("name", "path"), CASES, ids=[corpus.name_of(c, p) for c, p in CASES])
def test_no_undocumented_blocker_on_a_template_written_by_others(name: str, path: Path) -> None:
    result = corpus.lint(name, path)
    assert [f.line() for f in result.unexplained()] == []


def test_the_cfn_modules_corpus_is_installed_or_skipped_for_a_reason() -> None:
    if len(CFN_MODULES) != len(corpus.CFN_MODULES_PINS):
        pytest.skip("cfn-modules corpus not installed: run `python -m bench.corpus install`")
    assert [p.parent.name for p in CFN_MODULES] == sorted(n for n, _ in corpus.CFN_MODULES_PINS)


def test_install_without_npm_names_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert (
        corpus.install(tmp_path / "dest") == "npm not installed: the cfn-modules corpus is skipped"
    )
    assert not (tmp_path / "dest").exists()


def test_unpack_writes_the_package_module(tmp_path: Path) -> None:
    tarball = tmp_path / "p.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        data = b"Resources: {}\n"
        info = tarfile.TarInfo("package/module.yml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    corpus.unpack(tarball, tmp_path / "out")
    assert (tmp_path / "out" / "module.yml").read_bytes() == data


def test_blockers_not_documented_are_unexplained_and_documented_ones_are_not() -> None:
    blocker = Finding("blocker", "E3003", "Res", "Resources/Res", "missing.", "add it")
    warning = Finding("warning", "E9103", "Res", "Resources/Res", "long.", "shorten")
    result = corpus.Result("widdix/x.yaml", [blocker, warning])
    assert result.unexplained() == [blocker] and result.warnings == [warning]
    documented: dict[tuple[str, str, str | None], str] = {
        ("widdix/x.yaml", "E3003", "Res"): "AWS refuses it: a documented reason."
    }
    assert corpus.Result("widdix/x.yaml", [blocker]).unexplained(documented) == []


def test_the_summary_counts_what_it_measured() -> None:
    blocker = Finding("blocker", "E3003", "Res", "Resources/Res", "missing.", "add it")
    results = {
        "widdix": [corpus.Result("widdix/a.yaml", [blocker]), corpus.Result("widdix/b.yaml")]
    }
    assert "| widdix | 2 | 1 | 1 | 0 | 0 |" in corpus.summary(results)
    assert "| widdix/a.yaml | 1 | 0 |" in corpus.per_template(results)
