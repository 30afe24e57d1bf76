"""The simulator's certificate helpers: CertificateHashData as the specs define it (checked against an
independent computation for EC and RSA keys), the store, CSRs and the CertificateSigned chain check."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from chargepoint_sim import certificates as c


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def a_certificate(subject: str, key, issuer: str | None = None, issuer_key=None, serial: int = 0x0ABC,
                  days: int = 30) -> x509.Certificate:
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer or subject))
            .public_key(key.public_key()).serial_number(serial).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=days)).sign(issuer_key or key, hashes.SHA256()))


def test_hash_data_of_an_ec_root_is_over_the_issuer_name_and_the_key_point():
    key = ec.generate_private_key(ec.SECP256R1())
    root = a_certificate("Root", key)
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert c.hash_data(root) == {"hashAlgorithm": "SHA256",
                                 "issuerNameHash": hashlib.sha256(root.issuer.public_bytes()).hexdigest(),
                                 "issuerKeyHash": hashlib.sha256(point).hexdigest(), "serialNumber": "abc"}
    assert c.hash_data(root, algorithm="SHA384")["issuerKeyHash"] == hashlib.sha384(point).hexdigest()


def test_hash_data_of_a_leaf_uses_its_rsa_issuers_key():
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = a_certificate("Leaf", ec.generate_private_key(ec.SECP256R1()), "CA", ca_key, serial=7)
    pkcs1 = ca_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    data = c.hash_data(leaf, ca_key.public_key())
    assert data["issuerKeyHash"] == hashlib.sha256(pkcs1).hexdigest() and data["serialNumber"] == "7"
    assert c.same_hash(data, {**data, "issuerNameHash": data["issuerNameHash"].upper(), "serialNumber": "007"})


def test_store_installs_once_finds_by_any_algorithm_and_keeps_its_capacity():
    store = c.CertificateStore(capacity=2)
    roots = [a_certificate(f"Root {i}", ec.generate_private_key(ec.SECP256R1()), serial=i + 1) for i in range(3)]
    assert store.install("CSMSRootCertificate", [roots[0]]) is not None
    assert store.install("CSMSRootCertificate", [roots[0]]) is not None      # the same again: replaced
    assert store.install("ManufacturerRootCertificate", [roots[1]]) is not None
    assert store.install("ManufacturerRootCertificate", [roots[2]]) is None  # full
    found = store.find(c.hash_data(roots[1], algorithm="SHA512"))
    assert found is not None and found.certificate == roots[1] and len(store) == 2
    store.remove(found)
    assert store.find(c.hash_data(roots[1])) is None and len(store) == 1


def test_csr_names_the_station_and_check_chain_says_why_a_chain_is_refused():
    key, csr_pem = c.new_key_and_csr("CP-1", "Acme CPO")
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    assert csr.is_signature_valid and csr.subject.rfc4514_string() == "O=Acme CPO,CN=CP-1"
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = a_certificate("CA", ca_key)
    leaf = a_certificate("CP-1", key, "CA", ca_key)
    assert c.check_chain([leaf, ca], key) is None
    assert "not for the key" in c.check_chain([leaf, ca], ec.generate_private_key(ec.SECP256R1()))
    assert "pending" in c.check_chain([leaf, ca], None)
    stranger = a_certificate("Other CA", ec.generate_private_key(ec.SECP256R1()))
    assert "not issued by" in c.check_chain([leaf, stranger], key)
    expired = a_certificate("CP-1", key, "CA", ca_key, days=-1)
    assert "not valid now" in c.check_chain([expired, ca], key)
    entry = c.Installed("ChargingStationCertificate", [leaf, ca], ca.public_key())
    assert entry.hash_data() == c.hash_data(leaf, ca.public_key())
    assert entry.child_hash_data() == [c.hash_data(ca)]
