"""Keep tip content, keys and files encrypted: the security core of Clarion.

Plain Python without Django: keys, paths and limits come in as arguments, never from
settings or the environment, so this package can be reviewed, fuzzed and benchmarked on
its own. Import from here; the submodules are an implementation detail.
"""

from clarion.vault.blobstore import BlobStore, BlobWriter, EncryptingBlobWriter
from clarion.vault.envelope import (
    MIN_PASSPHRASE_CHARS,
    KeyPair,
    TipKeys,
    decrypt,
    decrypt_stream,
    decrypt_with_passphrase,
    encrypt,
    encrypt_stream,
    encrypt_with_passphrase,
    generate_keypair,
    is_valid_recipient,
    keypair_from_identity,
    new_tip_keys,
    unwrap_secrets,
    wrap_secrets,
)
from clarion.vault.errors import BlobPathError, DecryptionError, InvalidReceipt, VaultError
from clarion.vault.kdf import (
    DEFAULT_KDF,
    KdfParams,
    derive_identity,
    derive_key_material,
    identity_from_seed,
)
from clarion.vault.receipts import (
    RECEIPT_WORDS,
    WORDLIST,
    ReceiptKeys,
    derive_receipt_keys,
    generate_receipt,
    normalise_receipt,
)
from clarion.vault.sealing import derive_session_key, new_session_key, seal, unseal
from clarion.vault.streaming import StreamEncryptor, iter_decrypted
from clarion.vault.types import AgeIdentityStr, AgeRecipientStr, BlobName, Receipt

__all__ = [
    "DEFAULT_KDF",
    "MIN_PASSPHRASE_CHARS",
    "RECEIPT_WORDS",
    "WORDLIST",
    "AgeIdentityStr",
    "AgeRecipientStr",
    "BlobName",
    "BlobPathError",
    "BlobStore",
    "BlobWriter",
    "DecryptionError",
    "EncryptingBlobWriter",
    "InvalidReceipt",
    "KdfParams",
    "KeyPair",
    "Receipt",
    "ReceiptKeys",
    "StreamEncryptor",
    "TipKeys",
    "VaultError",
    "decrypt",
    "decrypt_stream",
    "decrypt_with_passphrase",
    "derive_identity",
    "derive_key_material",
    "derive_receipt_keys",
    "derive_session_key",
    "encrypt",
    "encrypt_stream",
    "encrypt_with_passphrase",
    "generate_keypair",
    "generate_receipt",
    "identity_from_seed",
    "is_valid_recipient",
    "iter_decrypted",
    "keypair_from_identity",
    "new_session_key",
    "new_tip_keys",
    "normalise_receipt",
    "seal",
    "unseal",
    "unwrap_secrets",
    "wrap_secrets",
]
