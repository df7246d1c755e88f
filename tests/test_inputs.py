"""Reading articles: encodings, odd files and paths, each with one clear line (inputs.py)."""

from __future__ import annotations

import io
import os
import sys
import threading

import pytest
from typer.testing import CliRunner

from summariser.cli import app
from summariser.errors import InputError
from summariser.inputs import MAX_BYTES, check_text, decode, read_article

TEXT = "Ana Lopez spoke in Zürich. “We are ready,” she said — “ready now.”\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_bom_are_decoded(encoding):
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")
    data = (bom + TEXT).encode(encoding)  # plain "utf-16"/"utf-32" write their own BOM
    assert decode(data, "a.txt") == TEXT


def test_utf8_bom_is_removed_and_utf16_without_bom_is_still_refused():
    assert decode(b"\xef\xbb\xbf" + TEXT.encode(), "a.txt") == TEXT
    with pytest.raises(InputError, match="NUL bytes"):
        decode(TEXT.encode("utf-16-le"), "a.txt")  # no BOM: cannot tell it from binary


def test_a_bom_with_broken_utf16_says_so():
    with pytest.raises(InputError, match="UTF-16 byte-order mark but is not valid UTF-16"):
        decode(b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8", "a.txt")  # lone surrogate


def test_a_lone_surrogate_in_a_text_is_an_input_error():
    with pytest.raises(InputError, match=r"lone surrogate \(\\ud800\) at character 3"):
        check_text("abc\ud800def", "line 2")


def test_symlink_loop_says_loop(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(InputError, match="symlink loop"):
        read_article(str(a))
    r = CliRunner().invoke(app, ["run", str(a), "-m", "none"])
    assert r.exit_code == 1 and "symlink loop" in r.stderr and len(r.stderr.splitlines()) == 1


def test_broken_symlink_and_missing_file(tmp_path):
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "nowhere.txt")
    with pytest.raises(InputError, match="broken symlink"):
        read_article(str(link))
    with pytest.raises(InputError, match="no such file"):
        read_article(str(tmp_path / "missing.txt"))


def test_a_named_pipe_given_to_run_is_read(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed():
        with fifo.open("w", encoding="utf-8") as f:
            f.write(TEXT)

    writer = threading.Thread(target=feed)
    writer.start()
    assert read_article(str(fifo)) == TEXT
    writer.join(5)


def test_a_huge_stream_is_refused_without_reading_it_all(monkeypatch):
    stream = io.BytesIO(b"word " * (MAX_BYTES // 4))  # 6.25 MB
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))
    with pytest.raises(InputError, match="stdin is more than 5 MB"):
        read_article("-")
    assert stream.tell() == MAX_BYTES + 1
