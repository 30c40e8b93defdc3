"""Write encrypted.zip: a password-protected zip (traditional PKWARE
"ZipCrypto" encryption, password "secret") of two harmless text members,
one deflated and one stored. Python's zipfile cannot write encrypted zips,
so the encryption is built here (APPNOTE.TXT section 6.1); `unzip -P secret`
extracts it. Standard library only: /usr/bin/python3 gen_encrypted.py
"""
import random
import struct
import zlib

PASSWORD = b"secret"
TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
    TABLE.append(c)


class ZipCrypto:
    def __init__(self, password):
        self.k = [0x12345678, 0x23456789, 0x34567890]
        for b in password:
            self.update(b)

    def update(self, b):
        k = self.k
        k[0] = (k[0] >> 8) ^ TABLE[(k[0] ^ b) & 0xFF]
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = (k[2] >> 8) ^ TABLE[(k[2] ^ (k[1] >> 24)) & 0xFF]

    def encrypt(self, data):
        out = bytearray()
        for b in data:
            t = (self.k[2] | 2) & 0xFFFF
            out.append(b ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            self.update(b)
        return bytes(out)


def member(name, data, method, rng):
    crc = zlib.crc32(data)
    body = data
    if method == 8:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        body = c.compress(data) + c.flush()
    # 11 random bytes, then the CRC's high byte (the password check).
    header = bytes(rng.randrange(256) for _ in range(11)) + bytes([crc >> 24])
    enc = ZipCrypto(PASSWORD).encrypt(header + body)
    return name.encode(), method, crc, enc, len(data)


def main():
    rng = random.Random(11)
    members = [
        member("notes.txt", b"harmless text, not a model\n" * 50, 8, rng),
        member("weights.bin", b"weights!", 0, rng),
    ]
    body, cd = bytearray(), bytearray()
    flags, mtime, mdate = 0x0001, 0x8C00, 0x5A87
    for name, method, crc, enc, usize in members:
        off = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, mtime, mdate, crc, len(enc), usize,
                            len(name), 0) + name + enc
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x31E, 20, flags, method, mtime, mdate, crc, len(enc),
                          usize, len(name), 0, 0, 0, 0, 0o644 << 16, off) + name
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), len(body), 0)
    with open("encrypted.zip", "wb") as f:
        f.write(bytes(body + cd + eocd))


if __name__ == "__main__":
    main()
