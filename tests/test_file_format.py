"""Files from outside (a backup to restore, a plan to import) are read within limits: a gzip bomb, deep nesting
and text the database cannot store are refused in one line, before they can exhaust the machine."""
from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from planbuilder.services.data.file_format import MAX_DEPTH, UnreadableFile, parse_json, read_limited

REPO = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024


def _gzip_bomb(path: Path, unpacked_mib: int) -> Path:
    chunk = b"0" * MiB
    with gzip.open(path, "wb", compresslevel=1) as out:
        for _ in range(unpacked_mib):
            out.write(chunk)
    return path


def test_a_gzip_bomb_is_refused_without_unpacking_it(tmp_path):
    """512 MB unpacked from about a megabyte; read with a 16 MB limit, in a process of its own so its peak
    memory can be measured."""
    bomb = _gzip_bomb(tmp_path / "bomb.json.gz", 512)
    assert bomb.stat().st_size < 8 * MiB
    # The peak of this process's own memory (VmHWM starts afresh at exec; ru_maxrss would carry the parent's).
    probe = ("import sys; from pathlib import Path\n"
             "from planbuilder.services.data.file_format import UnreadableFile, read_limited\n"
             "try:\n    read_limited(Path(sys.argv[1]), 16 * 1024 * 1024)\n"
             "except UnreadableFile as exc:\n    print(exc)\n"
             "peak = next(line for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
             "print(int(peak.split()[1]) // 1024)\n")
    result = subprocess.run([sys.executable, "-c", probe, str(bomb)], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    message, peak_mib = result.stdout.strip().splitlines()
    assert "is larger than 16 MB unpacked" in message
    assert int(peak_mib) < 200, f"peak {peak_mib} MiB"


def test_a_gzip_bomb_given_to_backup_restore_is_refused_at_the_default_limit_within_a_memory_cap(tmp_path):
    """The operator's command itself, as it runs: `flask backup restore` on 512 MB unpacked from about a
    megabyte, with the default limit (256 MB). Before the limit, the same file took 8.5 GB and 48 s."""
    bomb = _gzip_bomb(tmp_path / "bomb.json.gz", 512)
    probe = ("import sys\nfrom flask.cli import main\n"
             "try:\n    main()\nexcept SystemExit as stop:\n    code = stop.code\n"
             "peak = next(line for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
             "print('peak', int(peak.split()[1]) // 1024, 'exit', code)\n")
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env["PLANBUILDER_INSTANCE_PATH"] = str(tmp_path / "instance")
    result = subprocess.run([sys.executable, "-c", probe, "--app", "app", "backup", "restore", str(bomb)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert "is larger than 256 MB unpacked" in result.stdout + result.stderr, result.stderr[-2000:]
    peak_mib, code = re.search(r"peak (\d+) exit (\d+)", result.stdout).groups()
    assert code == "1" and int(peak_mib) < 512, f"peak {peak_mib} MiB"  # 389 MiB measured: the limit, once over


def test_an_ordinary_file_and_a_gzipped_one_read_the_same(tmp_path):
    plain, packed = tmp_path / "a.json", tmp_path / "a.json.gz"
    plain.write_bytes(b'{"a": 1}')
    packed.write_bytes(gzip.compress(b'{"a": 1}'))
    assert read_limited(plain) == read_limited(packed) == b'{"a": 1}'


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000, "nested more than"),
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested more than"),
    ('{"a": "\\ud800"}', "half of a surrogate pair"),
    ('{"a": "x\\u0000y"}', "null character"),
    (b'{"a": "\xff"}', "not UTF-8"),
    ('{"a": ', "not valid JSON"),
])
def test_what_cannot_be_stored_or_nests_too_deep_is_refused_in_one_line(text, message):
    with pytest.raises(UnreadableFile) as refused:
        parse_json(text)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_a_plan_import_nested_too_deep_is_refused_by_the_command(runner, seeded, tmp_path):
    source = tmp_path / "deep.json"
    deep: list = [0]
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    source.write_text(json.dumps({"format": "planbuilder.plan", "x": deep}), encoding="utf-8")
    result = runner.invoke(args=["plans", "import", str(source), "--municipality", "Ekdala kommun"])
    assert result.exit_code == 1 and "nested more than 32 levels deep" in result.output
