# A stand-in Recovery Services vault over https on 127.0.0.1: it replays the recorded responses
# in tests/data/recorded/ and the ones the test makes (paging, throttling, errors, a hostile
# nextLink, transient and persistent 5xx), and logs every request line (with whether it carried a bearer token) to a file.
# Usage: stand_in.py CERT KEY RECORDED_DIR LOG MODE; prints the port on stdout, then serves.
import http.server, json, os, ssl, sys, threading

cert, key, recorded, log, mode = sys.argv[1:6]
SUB = "38304e13-357e-405e-9e9a-220351dcce8c"
VAULT = f"/subscriptions/{SUB}/resourceGroups/hiagarg/providers/Microsoft.RecoveryServices/vaults/hiagaVault"
JOB = "cfa8b622-e3c4-4d5b-ac0f-cd016c6ac607"
lock = threading.Lock()
throttled = {"n": 0}
# mode "flaky": the first list request gets 500, the second 503 with Retry-After, the first job
# details request 502; each then succeeds (the SDK pipeline's retries). Mode "down": every
# request gets 500, as long as the stand-in runs.
flaky = {"list": 0, "job": 0}
# mode "many" (benches/vault.sh): MANY restore jobs (env STAND_IN_JOBS, default 200), listed in
# pages of 50 through nextLink; each is the recorded job with its own id, VM and config blob name.
# Throttling as a busy vault gives it: the second list page and every tenth job's details answer
# 429 with Retry-After: 1 the first time they are asked.
MANY = int(os.environ.get("STAND_IN_JOBS", "200"))
PAGE = 50
asked = set()

def many_id(i):
    return f"{i:08d}-0000-4000-8000-{i:012d}"

def many_job(i, details):
    j = json.loads(body("job-restore-disks-msi.json"))
    jid = many_id(i)
    j["id"] = j["id"].rsplit("/", 1)[0] + "/" + jid
    j["name"] = jid
    j["properties"]["entityFriendlyName"] = f"vm{i:03d}"
    if details:
        bag = j["properties"]["extendedInfo"]["propertyBag"]
        bag["Config Blob Name"] = f"config-vm{i:03d}-{jid}.json"
        bag["Config Blob Uri"] = bag["Config Blob Uri"].rsplit("/", 1)[0] + "/" + bag["Config Blob Name"]
    else:
        j["properties"].pop("extendedInfo", None)
    return j

def first_time(key):
    with lock:
        if key in asked:
            return False
        asked.add(key)
        return True

def body(name):
    with open(os.path.join(recorded, name), "rb") as f:
        return f.read()

def summary():
    # The list form of the recorded job: the resource without extendedInfo, as the list gives it.
    j = json.loads(body("job-restore-disks-msi.json"))
    j["properties"].pop("extendedInfo", None)
    return j

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, data=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        bearer = self.headers.get("Authorization", "").startswith("Bearer ")
        with lock:
            with open(log, "a") as f:
                f.write(f"{'bearer' if bearer else 'anonymous'} {self.path}\n")
        path, _, query = self.path.partition("?")
        port = self.server.server_address[1]
        if mode == "down":
            return self.send(500, b'{"error":{"code":"InternalServerError","message":"The service is unavailable."}}')
        if mode == "forbidden":
            return self.send(403, b'{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action Microsoft.RecoveryServices/vaults/backupJobs/read."}}')
        if mode == "many" and path == f"{VAULT}/backupJobs":
            start = 0
            for part in query.split("&"):
                if part.startswith("$skiptoken="):
                    start = int(part.split("=", 1)[1])
            if start == PAGE and first_time("page"):
                return self.send(429, b'{"error":{"code":"TooManyRequests","message":"slow down"}}', [("Retry-After", "1")])
            page = {"value": [many_job(i, False) for i in range(start, min(start + PAGE, MANY))]}
            if start + PAGE < MANY:
                page["nextLink"] = f"https://127.0.0.1:{port}{VAULT}/backupJobs?api-version=2024-10-01&$skiptoken={start + PAGE}"
            return self.send(200, json.dumps(page).encode())
        if mode == "many" and path.startswith(f"{VAULT}/backupJobs/"):
            jid = path.rsplit("/", 1)[1]
            i = int(jid.split("-", 1)[0])
            if i % 10 == 0 and first_time(jid):
                return self.send(429, b'{"error":{"code":"TooManyRequests","message":"slow down"}}', [("Retry-After", "1")])
            return self.send(200, json.dumps(many_job(i, True)).encode())
        if path == f"{VAULT}/backupJobs":
            if "skiptoken" in query:
                # Page 2: Azure PowerShell's recorded list (six backup jobs), replayed as is.
                return self.send(200, body("list-backup-jobs-timefilter.json"))
            if "operation%20eq%20%27Restore%27" not in query and "operation+eq+%27Restore%27" not in query:
                return self.send(400, b'{"error":{"code":"BadFilter","message":"no filter"}}')
            if mode == "flaky" and flaky["list"] < 2:
                flaky["list"] += 1
                if flaky["list"] == 1:
                    return self.send(500, b'{"error":{"code":"InternalServerError","message":"transient"}}')
                return self.send(503, b'{"error":{"code":"ServiceUnavailable","message":"transient"}}', [("Retry-After", "1")])
            if mode == "throttle" and throttled["n"] < 1:
                throttled["n"] += 1
                return self.send(429, b'{"error":{"code":"TooManyRequests","message":"slow down"}}', [("Retry-After", "1")])
            host = "https://evil.example" if mode == "hostile" else f"https://127.0.0.1:{port}"
            page = {"value": [summary()], "nextLink": f"{host}{VAULT}/backupJobs?api-version=2024-10-01&$skiptoken=2"}
            return self.send(200, json.dumps(page).encode())
        if path == f"{VAULT}/backupJobs/{JOB}":
            if mode == "flaky" and flaky["job"] < 1:
                flaky["job"] += 1
                return self.send(502, b"<html>Bad Gateway</html>")
            return self.send(200, body("job-restore-disks-msi.json"))
        return self.send(404, b'{"error":{"code":"ResourceNotFound","message":"not found"}}')

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
threading.Timer(120, srv.shutdown).start()
srv.serve_forever()
