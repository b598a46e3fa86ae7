"""DKIM throughput and memory: our engine next to dkimpy, Mail::DKIM, OpenDKIM and the raw OpenSSL rate.

    python3 bench/bench_dkim.py [--runs 5] [--messages 200] [--no-peers] [--no-memory] [--profile]

What is measured (one core: the process and its children are pinned to one CPU):
- rates are messages per CPU-second (user + system time of the process doing the work), median of --runs
  passes, so that other load on a shared machine does not lower them much.
- sign and verify of ~7 KB messages (tests/interop/corpus.py typical_message), c=relaxed/relaxed, RSA-2048 and
  Ed25519, keys cached (MemoryResolver for us, a dnsfunc returning the record for dkimpy, a fake Net::DNS resolver
  for Mail::DKIM, TestPublicKeys for OpenDKIM).
- ours: `toolkit.core.dkim.sign(bytes, [SignerConfig], now)` (parse + canonicalize + hash + sign + render) and
  `verify(parse_message(bytes), resolver, now)`.
- Mail::DKIM: one perl process loops over the messages (bench/mail_dkim_bench.pl); no Ed25519 in 1.20230212.
- OpenDKIM: no library entry point is packaged for scripting, so `opendkim -t f1,...,fN` runs the whole corpus
  in one process (milter test mode: file reading and milter emulation included); the time of a 1-file run is
  subtracted as process start-up.
- ceiling: cryptography's RSA-2048 PKCS#1 v1.5 sign/verify of a 32-byte SHA-256 digest, Ed25519 sign/verify of
  32 bytes: the rate no DKIM implementation on this machine can beat.
- memory: a 50 MB message signed and verified in a fresh subprocess each; tracemalloc peak of the call, and
  the process's peak RSS growth (VmHWM after /proc/self/clear_refs) including the message itself.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import dkim  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, utils  # noqa: E402
from interop.corpus import typical_message  # noqa: E402

from toolkit.core.dkim import SignerConfig, sign, verify  # noqa: E402
from toolkit.core.dkim.keys import SigningKey, generate_key  # noqa: E402
from toolkit.core.message import parse_message  # noqa: E402
from toolkit.resolvers.memory import MemoryResolver  # noqa: E402

DOMAIN = "example.com"
NOW = 1795825000
TARGETS = {("sign", "rsa-sha256"): 2200, ("verify", "rsa-sha256"): 5000, ("sign", "ed25519-sha256"): 5000,
           ("verify", "ed25519-sha256"): 4000}  # fmt: skip
SIGN_RATIO_TARGET = 0.75  # RSA-2048 sign: at least this share of the primitive rate
MEMORY_FACTOR = 3.0


@dataclass
class Row:
    impl: str
    op: str
    alg: str
    rate: float | None  # messages (or primitive operations) per second
    note: str = ""


@dataclass
class KeySet:
    alg: str
    selector: str
    key: SigningKey
    record: str


def pin_one_core() -> int | None:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})  # inherited by perl and opendkim children
        return cpu
    except (AttributeError, OSError):
        return None


def median_rate(count: int, runs: int, one_pass: Callable[[], None]) -> float:
    """count / median CPU seconds of one pass. CPU time, not wall time: this process's own cost is what a core
    can do, and it is not inflated when other work on the machine takes the CPU away."""
    one_pass()  # warm-up (imports, caches, first-call costs)
    seconds = []
    for _ in range(runs):
        start = time.process_time()
        one_pass()
        seconds.append(time.process_time() - start)
    return count / statistics.median(seconds)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_keys() -> list[KeySet]:
    rsa_key, ed_key = generate_key("rsa", 2048), generate_key("ed25519")
    return [
        KeySet("rsa-sha256", "bench-rsa", rsa_key, rsa_key.dns_record_value()),
        KeySet("ed25519-sha256", "bench-ed", ed_key, ed_key.dns_record_value()),
    ]


def sign_all(messages: Sequence[bytes], keyset: KeySet) -> list[bytes]:
    config = [SignerConfig(DOMAIN, keyset.selector, keyset.key)]
    return [sign(m, config, NOW) for m in messages]


# -- ceiling ---------------------------------------------------------------------------------------------


def ceiling_rows(keysets: Sequence[KeySet], runs: int) -> list[Row]:
    rows = []
    digest = b"\x5a" * 32
    count = 500
    for ks in keysets:
        private, public = ks.key.private_key, ks.key.public_key
        if ks.alg == "rsa-sha256":
            prehashed = utils.Prehashed(hashes.SHA256())
            signature = private.sign(digest, padding.PKCS1v15(), prehashed)

            def do_sign(private=private, prehashed=prehashed) -> None:
                for _ in range(count):
                    private.sign(digest, padding.PKCS1v15(), prehashed)

            def do_verify(public=public, signature=signature, prehashed=prehashed) -> None:
                for _ in range(count):
                    public.verify(signature, digest, padding.PKCS1v15(), prehashed)
        else:
            signature = private.sign(digest)

            def do_sign(private=private) -> None:
                for _ in range(count):
                    private.sign(digest)

            def do_verify(public=public, signature=signature) -> None:
                for _ in range(count):
                    public.verify(signature, digest)

        rows.append(Row("openssl (ceiling)", "sign", ks.alg, median_rate(count, runs, do_sign), "32-byte digest"))
        rows.append(Row("openssl (ceiling)", "verify", ks.alg, median_rate(count, runs, do_verify), "32-byte digest"))
    return rows


# -- ours and dkimpy ---------------------------------------------------------------------------------------


def ours_rows(messages: Sequence[bytes], keysets: Sequence[KeySet], runs: int) -> list[Row]:
    rows = []
    for ks in keysets:
        config = [SignerConfig(DOMAIN, ks.selector, ks.key)]
        rows.append(
            Row(
                "emlauth",
                "sign",
                ks.alg,
                median_rate(len(messages), runs, lambda c=config: [sign(m, c, NOW) for m in messages]),
            )
        )
        signed = sign_all(messages, ks)
        resolver = MemoryResolver({f"{ks.selector}._domainkey.{DOMAIN}": {"TXT": [ks.key.dns_txt_strings()]}})
        results = [verify(parse_message(s), resolver, NOW) for s in signed]
        assert all(r[0].verdict.value == "pass" for r in results), "our verify did not pass our benchmark messages"

        def verify_pass(signed=signed, resolver=resolver) -> None:
            resolver.queries.clear()  # MemoryResolver logs queries; keep the log from growing across passes
            for s in signed:
                verify(parse_message(s), resolver, NOW)

        rows.append(Row("emlauth", "verify", ks.alg, median_rate(len(signed), runs, verify_pass)))
    return rows


def dkimpy_rows(messages: Sequence[bytes], keysets: Sequence[KeySet], runs: int) -> list[Row]:
    rows = []
    for ks in keysets:
        alg, selector, private = ks.alg.encode(), ks.selector.encode(), ks.key.dkimpy_private_key()

        def sign_pass(alg=alg, selector=selector, private=private) -> None:
            for m in messages:
                dkim.sign(m, selector, DOMAIN.encode(), private, canonicalize=(b"relaxed", b"relaxed"),
                          signature_algorithm=alg)  # fmt: skip

        rows.append(Row("dkimpy", "sign", ks.alg, median_rate(len(messages), runs, sign_pass)))
        signed = sign_all(messages, ks)
        record = ks.record.encode()

        def dnsfunc(name, timeout=5, record=record) -> bytes:
            return record

        assert all(dkim.verify(s, dnsfunc=dnsfunc) for s in signed), "dkimpy did not pass our benchmark messages"
        rows.append(
            Row(
                "dkimpy",
                "verify",
                ks.alg,
                median_rate(len(signed), runs, lambda s=signed, f=dnsfunc: [dkim.verify(m, dnsfunc=f) for m in s]),
            )
        )
    return rows


# -- Mail::DKIM and OpenDKIM ------------------------------------------------------------------------------


def write_files(directory: Path, messages: Sequence[bytes]) -> list[Path]:
    paths = []
    for index, message in enumerate(messages):
        path = directory / f"m{index:05d}.eml"
        path.write_bytes(message)
        paths.append(path)
    return paths


def write_key(directory: Path, ks: KeySet) -> Path:
    path = directory / f"{ks.selector}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(ks.key.private_pem())
    return path


def mail_dkim_rows(messages: Sequence[bytes], keysets: Sequence[KeySet], runs: int, work: Path) -> list[Row]:
    rows = []
    script = ROOT / "bench" / "mail_dkim_bench.pl"
    for ks in keysets:
        if ks.alg != "rsa-sha256":
            rows.append(Row("Mail::DKIM", "sign", ks.alg, None, "no ed25519-sha256 in Mail::DKIM 1.20230212"))
            rows.append(Row("Mail::DKIM", "verify", ks.alg, None, "no ed25519-sha256 in Mail::DKIM 1.20230212"))
            continue
        keyfile = write_key(work, ks)
        plain = write_files(Path(tempfile.mkdtemp(dir=work)), messages)
        signed = write_files(Path(tempfile.mkdtemp(dir=work)), sign_all(messages, ks))
        for op, files in (("sign", plain), ("verify", signed)):
            args = [op, str(runs + 1), str(keyfile), DOMAIN, ks.selector, ks.record, *map(str, files)]
            proc = subprocess.run(["perl", str(script), *args], capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                rows.append(Row("Mail::DKIM", op, ks.alg, None, f"failed: {proc.stderr.strip()[:60]}"))
                continue
            data = json.loads(proc.stdout)
            seconds = data["seconds"][1:]  # the first pass is the warm-up
            rows.append(Row("Mail::DKIM", op, ks.alg, data["count"] / statistics.median(seconds), "perl loop"))
    return rows


def _opendkim_seconds(conf: Path, files: Sequence[Path]) -> float:
    """CPU seconds (user + system, all threads) of one `opendkim -t` run over the files."""
    start = children_cpu()
    proc = subprocess.run(["opendkim", "-x", str(conf), "-t", ",".join(map(str, files))], capture_output=True,
                          text=True, timeout=1800)  # fmt: skip
    elapsed = children_cpu() - start
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip() or proc.stdout.strip())
    return elapsed


def opendkim_rows(messages: Sequence[bytes], keysets: Sequence[KeySet], runs: int, work: Path) -> list[Row]:
    rows = []
    note = "opendkim -t, all files in 1 process, start-up subtracted"
    for ks in keysets:
        keyfile = write_key(work, ks)
        keys_file = work / f"{ks.selector}.keys"
        keys_file.write_text(f"{ks.selector}._domainkey.{DOMAIN} {ks.record}\n")
        sign_conf = work / f"{ks.selector}-sign.conf"
        sign_conf.write_text(
            f"Mode s\nSyslog no\nRequireSafeKeys no\nDomain {DOMAIN}\nSelector {ks.selector}\nKeyFile {keyfile}\n"
            f"SignatureAlgorithm {ks.alg}\nCanonicalization relaxed/relaxed\n"
        )
        verify_conf = work / f"{ks.selector}-verify.conf"
        verify_conf.write_text(f"Mode v\nSyslog no\nTestPublicKeys {keys_file}\n")
        plain = write_files(Path(tempfile.mkdtemp(dir=work)), messages)
        signed = write_files(Path(tempfile.mkdtemp(dir=work)), sign_all(messages, ks))
        check = subprocess.run(
            ["opendkim", "-x", str(verify_conf), "-t", str(signed[0])], capture_output=True, text=True
        )
        if "succeeded" not in check.stdout:
            raise RuntimeError(f"OpenDKIM did not verify a benchmark message: {check.stdout}{check.stderr}")
        for op, conf, files in (("sign", sign_conf, plain), ("verify", verify_conf, signed)):
            startup = statistics.median(_opendkim_seconds(conf, files[:1]) for _ in range(runs))
            whole = statistics.median(_opendkim_seconds(conf, files) for _ in range(runs))
            per_message = max(whole - startup, 1e-9) / (len(files) - 1)
            rows.append(Row("OpenDKIM", op, ks.alg, 1 / per_message, note))
    return rows


# -- memory ----------------------------------------------------------------------------------------------


def big_message(size: int) -> bytes:
    head = typical_message(1).split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    line = b"Lorem ipsum dolor sit amet,  consectetur adipiscing elit \t sed do eiusmod tempor.  \r\n"
    return head + line * ((size - len(head)) // len(line) + 1)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def memory_child(op: str, size_mb: int, method: str) -> dict:
    """Run in a fresh interpreter: build the message, then measure one sign or verify of it."""
    import gc
    import tracemalloc

    ks = make_keys()[0]
    resolver = MemoryResolver({f"{ks.selector}._domainkey.{DOMAIN}": {"TXT": [ks.key.dns_txt_strings()]}})
    config = [SignerConfig(DOMAIN, ks.selector, ks.key)]
    sign(typical_message(2), config, NOW)  # warm up imports and caches before measuring
    gc.collect()
    baseline_rss = _status_kb("VmRSS")
    message = big_message(size_mb * 1024 * 1024)
    if op == "verify":
        message = sign(message, config, NOW)
        gc.collect()
    size = len(message)
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM (peak RSS) to the current RSS
    if method == "tracemalloc":
        tracemalloc.start()
    start = time.perf_counter()
    if op == "sign":
        out = sign(message, config, NOW)
        ok = out.endswith(message[-100:])
    else:
        ok = verify(parse_message(message), resolver, NOW)[0].verdict.value == "pass"
    seconds = time.perf_counter() - start
    result = {"op": op, "size": size, "ok": ok, "seconds": seconds}
    if method == "tracemalloc":
        result["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        # bytes held at the peak beyond the interpreter's own baseline: the message itself plus the work
        result["peak"] = (_status_kb("VmHWM") - baseline_rss) * 1024
    return result


def memory_rows(size_mb: int) -> list[str]:
    lines = []
    for op in ("sign", "verify"):
        for method in ("tracemalloc", "rss"):
            command = [sys.executable, __file__, "--memory-child", op, "--memory-method", method]
            proc = subprocess.run([*command, "--memory-mb", str(size_mb)], capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                lines.append(f"{op:6} {method:11} failed: {proc.stderr.strip()[-200:]}")
                continue
            data = json.loads(proc.stdout)
            ratio = data["peak"] / data["size"]
            what = "allocated during the call" if method == "tracemalloc" else "peak RSS incl. the message"
            verdict = "ok" if ratio < MEMORY_FACTOR and data["ok"] else "OVER" if data["ok"] else "WRONG RESULT"
            lines.append(
                f"{op:6} {data['size'] / 1e6:6.1f} MB  {method:11} peak {data['peak'] / 1e6:7.1f} MB"
                f"  = {ratio:4.2f}x  ({what}; {data['seconds']:.2f} s)  {verdict}"
            )
    return lines


# -- profile and report -----------------------------------------------------------------------------------


def profile(messages: Sequence[bytes], keysets: Sequence[KeySet], top: int = 18) -> None:
    for ks in keysets:
        config = [SignerConfig(DOMAIN, ks.selector, ks.key)]
        signed = sign_all(messages, ks)
        resolver = MemoryResolver({f"{ks.selector}._domainkey.{DOMAIN}": {"TXT": [ks.key.dns_txt_strings()]}})
        for op, work in (
            ("sign", lambda c=config: [sign(m, c, NOW) for m in messages]),
            ("verify", lambda s=signed, r=resolver: [verify(parse_message(m), r, NOW) for m in s]),
        ):
            profiler = cProfile.Profile()
            profiler.runcall(work)
            print(f"\n--- profile: emlauth {op} {ks.alg}, {len(messages)} messages (by own time, top {top}) ---")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def print_table(rows: Sequence[Row]) -> None:
    ceiling = {(r.op, r.alg): r.rate for r in rows if r.impl.startswith("openssl")}
    print(f"{'impl':18} {'op':7} {'alg':15} {'msg/s':>9} {'/ceiling':>9} {'target':>8}  note")
    for r in rows:
        rate = f"{r.rate:9.0f}" if r.rate else f"{'-':>9}"
        ratio = f"{r.rate / ceiling[(r.op, r.alg)]:9.2f}" if r.rate and ceiling.get((r.op, r.alg)) else f"{'-':>9}"
        target = ""
        if r.impl == "emlauth" and r.rate:
            goal = TARGETS[(r.op, r.alg)]
            target = f"{goal:>6} {'ok' if r.rate >= goal else 'LOW'}"
            if (r.op, r.alg) == ("sign", "rsa-sha256") and ceiling.get((r.op, r.alg)):
                share = r.rate / ceiling[(r.op, r.alg)]
                r.note = (
                    r.note + f" (>= {SIGN_RATIO_TARGET} of primitive: {'ok' if share >= SIGN_RATIO_TARGET else 'LOW'})"
                ).strip()
        print(f"{r.impl:18} {r.op:7} {r.alg:15} {rate} {ratio} {target:>8}  {r.note}")


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, Python {sys.version.split()[0]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed passes per figure (median reported)")
    parser.add_argument("--messages", type=int, default=200, help="messages in the corpus (~7 KB each)")
    parser.add_argument("--no-peers", action="store_true", help="skip Mail::DKIM and OpenDKIM")
    parser.add_argument("--no-memory", action="store_true", help="skip the 50 MB memory measurement")
    parser.add_argument("--memory-mb", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="cProfile our sign/verify and print where time goes")
    parser.add_argument("--memory-child", choices=("sign", "verify"), help=argparse.SUPPRESS)
    parser.add_argument("--memory-method", choices=("tracemalloc", "rss"), default="rss", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.memory_mb, args.memory_method)))
        return 0

    print(f"machine: {machine()}")
    print("load average at start: {:.2f} {:.2f} {:.2f} (other work on the machine lowers every figure)".format(
        *os.getloadavg()))  # fmt: skip
    cpu = pin_one_core()
    print(f"pinned to CPU {cpu}" if cpu is not None else "could not pin to one CPU")
    messages = [typical_message(seed) for seed in range(args.messages)]
    average = sum(map(len, messages)) / len(messages)
    print(f"corpus: {len(messages)} messages, average {average / 1024:.1f} KiB, c=relaxed/relaxed, runs={args.runs}\n")
    keysets = make_keys()
    rows = ceiling_rows(keysets, args.runs) + ours_rows(messages, keysets, args.runs)
    rows += dkimpy_rows(messages, keysets, args.runs)
    if not args.no_peers:
        with tempfile.TemporaryDirectory(prefix="bench-dkim-") as tmp:
            if shutil.which("perl"):
                rows += mail_dkim_rows(messages, keysets, args.runs, Path(tmp))
            if shutil.which("opendkim"):
                rows += opendkim_rows(messages, keysets, args.runs, Path(tmp))
    order = {"openssl (ceiling)": 0, "emlauth": 1, "dkimpy": 2, "Mail::DKIM": 3, "OpenDKIM": 4}
    rows.sort(key=lambda r: (r.alg != "rsa-sha256", r.op != "sign", order.get(r.impl, 9)))
    print_table(rows)
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if not args.no_memory:
        print(f"\nmemory ({args.memory_mb} MB message, limit {MEMORY_FACTOR:.0f}x its size):")
        for line in memory_rows(args.memory_mb):
            print("  " + line)
    if args.profile:
        profile(messages[:100], keysets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
