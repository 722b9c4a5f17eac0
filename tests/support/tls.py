"""A throwaway certificate authority and a server certificate from it (openssl, as cert-manager's
CA issuer would make them for deploy/k8s/components/tls): for running the TLS configurations of
deploy/k8s for real on loopback."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certs:
    ca: Path  # ca.crt
    cert: Path  # tls.crt
    key: Path  # tls.key


def make_certs(directory: Path, names: tuple[str, ...] = ("localhost",)) -> Certs:
    """A CA and a certificate for `names` (DNS names) and 127.0.0.1, usable by a server and, for
    mutually verified routes, as a client."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca = directory / "ca.key", directory / "ca.crt"
    key, csr, cert = directory / "tls.key", directory / "tls.csr", directory / "tls.crt"

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(ca_key), "-out", str(ca), "-days", "2", "-subj", "/CN=nianbao test CA")  # fmt: skip
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={names[0]}")  # fmt: skip
    ext = directory / "ext.cnf"
    sans = ",".join([f"DNS:{n}" for n in names] + ["IP:127.0.0.1"])
    ext.write_text(
        f"subjectAltName={sans}\nextendedKeyUsage=serverAuth,clientAuth\n"
        "keyUsage=digitalSignature,keyEncipherment\n"
    )
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
        "-CAcreateserial", "-out", str(cert), "-days", "2", "-extfile", str(ext))  # fmt: skip
    return Certs(ca=ca, cert=cert, key=key)
