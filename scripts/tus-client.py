#!/usr/bin/env python3
"""Drives Tessera's resumable uploads with tuspy, the tus project's Python client, for the tests.

  tus-client.py upload ENDPOINT TOKEN FILE RECORD KEY CHUNK [STOP_AT]
      starts an upload of FILE as file KEY of draft RECORD and sends it in CHUNK-byte pieces,
      each with its sha1 checksum, until STOP_AT bytes are sent (default: the whole file)
  tus-client.py resume UPLOAD_URL TOKEN FILE CHUNK
      asks the server how much of UPLOAD_URL arrived and sends the rest

Each prints {"url": ..., "offset": ...} as JSON on standard output.
"""
import json
import sys

from tusclient import client


def main(argv):
    command = argv[1]
    if command == "upload":
        endpoint, token, path, record, key, chunk = argv[2:8]
        stop_at = int(argv[8]) if len(argv) > 8 else None
        tus = client.TusClient(endpoint, headers={"Authorization": f"Bearer {token}"})
        uploader = tus.uploader(path, chunk_size=int(chunk), metadata={"record": record, "filename": key}, upload_checksum=True)
        uploader.upload(stop_at=stop_at)
    elif command == "resume":
        url, token, path, chunk = argv[2:6]
        tus = client.TusClient(url, headers={"Authorization": f"Bearer {token}"})
        uploader = tus.uploader(path, url=url, chunk_size=int(chunk), upload_checksum=True)
        uploader.upload()
    else:
        sys.exit(f"unknown command {command}")
    print(json.dumps({"url": uploader.url, "offset": uploader.offset}))


if __name__ == "__main__":
    main(sys.argv)
