"""Sends several HTTP/1.1 requests on one connection in a single write (pipelined) and reads the
answers in order. Usage: http_pipelined.py HOST PORT REQUESTS_JSON, where REQUESTS_JSON is a list
of [method, target, body or null]. Prints one JSON line: {"answers": [{status, headers, body}, …]}."""
import json, socket, sys

host, port, requests = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
data = b""
for method, target, body in requests:
    payload = (body or "").encode()
    data += f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload
sock = socket.create_connection((host, port), timeout=30)
sock.sendall(data)
stream = sock.makefile("rb")
answers = []
for _ in requests:
    status = int(stream.readline().split()[1])
    headers = {}
    while (line := stream.readline().rstrip(b"\r\n")):
        name, value = line.decode("latin-1").split(":", 1)
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers.get("content-length", "0")))
    answers.append({"status": status, "headers": headers, "body": body.decode("utf-8", "replace")})
print(json.dumps({"answers": answers}))
