"""report_files: a report's files written whole, in a folder it makes; the same content again is no
change; check mode writes nothing; bad suffixes, modes and folders are refused before anything is written."""
from __future__ import annotations

import os
import stat

import pytest

MODULE = "report_files"


def test_writes_each_file_in_a_new_folder_then_changes_nothing(run_module, tmp_path):
    base = tmp_path / "reports" / "nested" / "incident-x"
    files = {"json": '{\n  "result": "recovered"\n}\n', "md": "# Incident\n\nRecovered ✓\n", "svg": "<svg/>"}
    first = run_module(MODULE, {"path": str(base), "files": files})
    assert first["changed"] is True and sorted(first["written"]) == ["json", "md", "svg"]
    for suffix, content in files.items():
        written = base.with_name(f"incident-x.{suffix}")
        assert first["files"][suffix] == str(written)
        assert written.read_text(encoding="utf-8") == content
        assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert stat.S_IMODE(base.parent.stat().st_mode) == 0o755
    assert sorted(os.listdir(base.parent)) == ["incident-x.json", "incident-x.md", "incident-x.svg"]  # no temporary file left

    again = run_module(MODULE, {"path": str(base), "files": files})
    assert again["changed"] is False and again["written"] == []

    changed = run_module(MODULE, {"path": str(base), "files": dict(files, md="# Incident\n\nFailed\n")})
    assert changed["changed"] is True and changed["written"] == ["md"]
    assert base.with_name("incident-x.md").read_text() == "# Incident\n\nFailed\n"


def test_a_null_content_writes_no_file(run_module, tmp_path):
    base = tmp_path / "incident-x"
    result = run_module(MODULE, {"path": str(base), "files": {"json": "{}\n", "svg": None}})
    assert result["written"] == ["json"] and list(result["files"]) == ["json"]
    assert sorted(os.listdir(tmp_path)) == ["incident-x.json"]


def test_check_mode_says_what_it_would_write_and_writes_nothing(run_module, tmp_path):
    base = tmp_path / "reports" / "drill-x"
    result = run_module(MODULE, {"path": str(base), "files": {"json": "{}\n", "md": "# Drill\n"}}, check_mode=True)
    assert result["changed"] is True and sorted(result["written"]) == ["json", "md"]
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("args, message", [
    ({"files": {"../../etc/passwd": "x"}}, "a suffix of letters and digits"),
    ({"files": {"md/x": "x"}}, "a suffix of letters and digits"),
    ({"files": {}}, "not nothing"),
    ({"files": {"svg": None}}, "not nothing"),
    ({"files": {"md": "x"}, "mode": "rw-r--r--"}, "mode must be octal"),
])
def test_bad_input_is_refused_and_nothing_is_written(run_module, tmp_path, args, message):
    result = run_module(MODULE, {"path": str(tmp_path / "out" / "report"), **args})
    assert result["failed"] is True and message in result["msg"] and "nothing was written" in result["msg"]
    assert not (tmp_path / "out").exists()


def test_a_path_that_could_be_taken_for_an_option_is_refused(run_module, tmp_path):
    result = run_module(MODULE, {"path": "-rf", "files": {"md": "# x\n"}})
    assert result["failed"] is True and "path" in result["msg"] and "not starting with '-'" in result["msg"]


def test_a_file_where_the_folder_should_be_is_refused(run_module, tmp_path):
    (tmp_path / "reports").write_text("not a folder")
    result = run_module(MODULE, {"path": str(tmp_path / "reports" / "incident-x"), "files": {"md": "# x\n"}})
    assert result["failed"] is True and "is not a folder" in result["msg"]
    assert (tmp_path / "reports").read_text() == "not a folder"


def test_a_folder_that_cannot_be_made_fails_saying_so(run_module, tmp_path):
    (tmp_path / "reports").write_text("a file where a folder of the path should be")
    base = tmp_path / "reports" / "2026" / "incident-x"
    result = run_module(MODULE, {"path": str(base), "files": {"md": "# x\n"}})
    assert result["failed"] is True and result["msg"].startswith(f"Could not write the report {base}: ")
    assert result["written"] == [] and result["changed"] is False
    assert (tmp_path / "reports").read_text() == "a file where a folder of the path should be"
