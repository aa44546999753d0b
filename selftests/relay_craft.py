#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Send one relay packet, sealed with a hop key the test installed.

usage: relay_craft.py IP PORT KEY KEY_ID SALT CID COUNTER DST INNER_FLAGS

KEY (32 bytes), SALT (4), CID (8) and DST (32, the relay header's
destination node id) are hex; the hop layer is AES-256-GCM, built as
kernel/messages.h describes it:

  | hdr (13) | relay block (47) | inner ciphertext | inner tag | hop tag |
  relay block = relay header (type 1, hop limit 8, DST) + inner header
  hop tag     = AEAD(KEY, SALT || COUNTER, AD = hdr || inner tag)

The inner packet (header flags INNER_FLAGS, a random receiver index and
64 bytes of random "ciphertext" and tag) is never opened by a relay, so
it need not be valid: the test looks at what the relay does with it.
"""
import os
import socket
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RELAY_BIT = 0x10
SHORT = 0x40


def main(argv):
    if len(argv) != 10:
        sys.exit(__doc__.split("\n\n")[1])
    ip, port = argv[1], int(argv[2])
    key, key_id = bytes.fromhex(argv[3]), int(argv[4])
    salt, cid = bytes.fromhex(argv[5]), bytes.fromhex(argv[6])
    counter, dst, inner_flags = int(argv[7]), bytes.fromhex(argv[8]), int(argv[9], 0)
    if len(key) != 32 or len(salt) != 4 or len(cid) != 8 or len(dst) != 32:
        sys.exit("relay_craft.py: KEY, SALT, CID and DST are 32, 4, 8 and 32 bytes")
    hdr = struct.pack(">B8sI", SHORT | RELAY_BIT | (key_id & 7), cid,
                      counter & 0xFFFFFFFF)
    inner_hdr = struct.pack(">B8sI", inner_flags, os.urandom(8), 1)
    inner_rest = os.urandom(48)
    inner_tag = os.urandom(16)
    block = struct.pack(">BB32s", 1, 8, dst) + inner_hdr
    sealed = AESGCM(key).encrypt(salt + struct.pack(">Q", counter), block,
                                 hdr + inner_tag)
    frame = hdr + sealed[:-16] + inner_rest + inner_tag + sealed[-16:]
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.sendto(frame, (ip, port))
    print(f"relay_craft.py: sent {len(frame)} bytes")


if __name__ == "__main__":
    main(sys.argv)
