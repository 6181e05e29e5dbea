"""The command line when the database fails: words instead of the driver's text, never a
password, status 3, and a read-only desk that still exports."""

from __future__ import annotations

import io
import json
import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from desktop_app.cli import EXIT_DATABASE, main
from desktop_app.logs import close_logging, configure_logging, log_file
from support.postgres import PG_ADMIN_URL
from support.read_only import read_only_folder
from support.tcp_proxy import TcpProxy

PASSWORD = "Corr3ct-Horse-Battery"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(list(argv), out=out, err=err)
    finally:
        close_logging()
    return code, out.getvalue(), err.getvalue()


def _raw_driver_text_in(text: str) -> bool:
    return any(raw in text for raw in ("(psycopg", "sqlalche.me", "Background on this error"))


def test_an_unreachable_server_is_said_in_words_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://desk:{PASSWORD}@127.0.0.1:1/desk"
    code, out, err = run("export", str(tmp_path / "tickets.json"), "--database", url)
    assert code == EXIT_DATABASE
    assert out == ""
    assert "desktop-app export: Cannot open the desk: the database server 127.0.0.1:1" in err
    assert "refused the connection" in err and "desk:***@127.0.0.1:1" in err
    assert PASSWORD not in err and not _raw_driver_text_in(err)
    logged = log_file().read_text()
    assert "Connection refused" in logged  # the details are kept for whoever looks
    assert PASSWORD not in logged
    assert not (tmp_path / "tickets.json").exists()


def test_a_server_that_never_answers_fails_the_export_in_seconds(tmp_path: Path) -> None:
    with TcpProxy(None) as silent:
        port = silent.port
        url = make_url(silent.url_for(PG_ADMIN_URL)).update_query_dict({"connect_timeout": "2"})
        code, _out, err = run(
            "export", str(tmp_path / "t.csv"), "--database", url.render_as_string(False)
        )
    assert code == EXIT_DATABASE
    assert f"127.0.0.1:{port} did not answer within 2 s while connecting" in err


def test_a_text_file_as_the_database_is_named_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a desk\n")
    code, _out, err = run("export", str(tmp_path / "t.json"), "--database", str(notes))
    assert code == EXIT_DATABASE
    assert f"{notes} is not a Technician Queue desk" in err
    assert not _raw_driver_text_in(err)
    assert notes.read_text() == "not a desk\n"


def test_a_read_only_desk_exports(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    desk = folder / "desk.sqlite3"
    code, _out, err = run("demo", "--database", str(desk), "--scale", "5")
    assert code == 0, err
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with read_only_folder(folder):
        code, out, err = run("export", str(out_dir / "tickets.json"), "--database", str(desk))
    assert code == 0, err
    assert "Exported 5 ticket(s)" in out
    assert len(json.loads((out_dir / "tickets.json").read_text())["tickets"]) == 5


def test_demo_into_a_read_only_desk_is_refused_in_words(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    desk = folder / "desk.sqlite3"
    code, _out, err = run("demo", "--database", str(desk), "--scale", "0")
    assert code == 0, err
    copy = tmp_path / "before.sqlite3"
    shutil.copy(desk, copy)
    with read_only_folder(folder):
        code, _out, err = run("demo", "--database", str(desk), "--scale", "5")
    assert code == EXIT_DATABASE
    assert "open read-only" in err and "Nothing was saved" in err
    assert desk.read_bytes() == copy.read_bytes()


@pytest.mark.parametrize("command", ["export", "demo"])
def test_usage_errors_stay_usage_errors(command: str, tmp_path: Path) -> None:
    argv = [command] + (["out.txt"] if command == "export" else ["--scale", "-1"])
    code, _out, _err = run(*argv, "--database", str(tmp_path / "desk.sqlite3"))
    assert code == 2


def test_a_password_with_url_escapes_is_masked_as_typed_too(tmp_path: Path) -> None:
    typed = "p%40ss%2Fw0rd"  # p@ss/w0rd, as it must be written inside a URL
    url = f"postgresql+psycopg://desk:{typed}@127.0.0.1:1/desk"
    code, _out, err = run("export", str(tmp_path / "t.json"), "--database", url)
    assert code == EXIT_DATABASE
    configure_logging()
    try:
        logging.getLogger("desktop_app.test").warning("given on the command line: %s", url)
    finally:
        close_logging()
    assert "given on the command line: postgresql+psycopg://desk:***@" in log_file().read_text()
    for shown in (err, log_file().read_text()):
        assert typed not in shown and "p@ss/w0rd" not in shown
