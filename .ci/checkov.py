#!/usr/bin/env python3
"""Policy scan of every ARM template the fixtures produce.

Usage: checkov.py EXPORT_DIR   (EXPORT_DIR as written by the tests with RESTORE_DEPLOY_EXPORT)

Skipped, because they contradict Azure Disk Encryption or the restore by design:
  CKV_AZURE_151, CKV_AZURE_97  encryption at host: incompatible with ADE
  CKV_AZURE_50                 no VM extensions: ADE *is* an extension
  CKV_AZURE_1, CKV_AZURE_178   SSH-key checks: a VM attached from restored disks has no osProfile
  CKV_AZURE_93                 disk encryption set (SSE with a customer key) on the disks imported
                               from restored VHDs: ADE keeps its own keys in Key Vault, and
                               restore-deploy refuses disk-encryption-set sources
and, for templates of unmanaged (VHD) restores only (none since VHDs are imported as managed disks):
  CKV_AZURE_92                 managed disks: the restored disks are VHD blobs; converting them is
                               not a restore
Fails on any other failed check and on any parsing error (Checkov exits 0 on unparsable files).
"""
import json, os, shutil, subprocess, sys, tempfile

BY_DESIGN = ["CKV_AZURE_151", "CKV_AZURE_97", "CKV_AZURE_50", "CKV_AZURE_1", "CKV_AZURE_178",
             "CKV_AZURE_93"]

def scan(folder, skips):
    out = subprocess.run(
        ["checkov", "-d", folder, "--framework", "arm", "--skip-download", "--compact", "-o", "json",
         "--quiet", "--skip-check", ",".join(skips)],
        capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"checkov failed to run ({out.returncode}): {out.stderr[-2000:]}")
    report = json.loads(out.stdout) if out.stdout.strip() else []
    if isinstance(report, dict):
        report = [report]
    return report

def main():
    export = sys.argv[1]
    groups = {"managed": tempfile.mkdtemp(), "unmanaged": tempfile.mkdtemp()}
    count = 0
    for name in sorted(os.listdir(export)):
        t = os.path.join(export, name, "azuredeploy.json")
        if not os.path.exists(t):
            continue
        kind = "unmanaged" if '"vhd"' in open(t, encoding="utf-8").read() else "managed"
        shutil.copy(t, os.path.join(groups[kind], name + ".json"))
        count += 1
    if count == 0:
        sys.exit("no templates to scan: run the tests with RESTORE_DEPLOY_EXPORT set")
    failed = False
    for kind, folder in groups.items():
        if not os.listdir(folder):
            continue
        skips = BY_DESIGN + (["CKV_AZURE_92"] if kind == "unmanaged" else [])
        for r in scan(folder, skips):
            s = r.get("summary", {})
            print(f"checkov {kind}: {len(os.listdir(folder))} templates, passed {s.get('passed')}, "
                  f"failed {s.get('failed')}, parsing errors {s.get('parsing_errors')}")
            if s.get("parsing_errors", 0) or s.get("failed", 0):
                failed = True
            for f in r.get("results", {}).get("failed_checks", []):
                print(f"  FAILED {f['check_id']} {f['check_name']} in {f['file_path']} ({f['resource']})")
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
