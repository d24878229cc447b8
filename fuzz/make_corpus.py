#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, built from tests/fixtures (valid and invalid)."""
import base64, glob, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))

def enc(text, encoding):
    if encoding == "utf8-bom":
        return b"\xef\xbb\xbf" + text.encode()
    if encoding.startswith("utf16le"):
        b = (b"\xff\xfe" if "bom" in encoding else b"") + text.encode("utf-16-le")
        return b + (b"\x00" * 32 if "nul" in encoding else b"")
    return text.encode()

def config_bytes(fx):
    if fx.get("config_raw") is not None:
        return fx["config_raw"].encode()
    if fx.get("config_base64") is not None:
        return base64.b64decode(fx["config_base64"])
    if fx.get("config") is None:
        return None
    return enc(json.dumps(fx["config"], indent=2, ensure_ascii=False), fx.get("encoding", "utf8"))

def main():
    out = {t: os.path.join(HERE, "seeds", t) for t in ("config_blob", "job_details", "generate")}
    for d in out.values():
        os.makedirs(d, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(HERE, "..", "tests", "fixtures", "*", "*.json"))):
        name = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)[:-5]
        fx = json.load(open(path, encoding="utf-8"))
        cfg = config_bytes(fx)
        if cfg is not None:
            open(os.path.join(out["config_blob"], name), "wb").write(cfg)
        job = json.dumps(fx["job"]).encode() if fx.get("job") is not None else b""
        if job:
            open(os.path.join(out["job_details"], name), "wb").write(job)
        info = json.dumps(fx["encryption_info"]).encode() if fx.get("encryption_info") is not None else None
        parts = [cfg or b"", job] + ([info] if info else [])
        open(os.path.join(out["generate"], name), "wb").write(b"\xff\x00\xff".join(parts))

if __name__ == "__main__":
    main()
