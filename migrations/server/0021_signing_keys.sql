-- Proof of origin (gocua-signing): each device's Ed25519 public key (hex),
-- given at enrollment or registered on its first sync after signing came
-- in. A device with a key has every change it authors checked against it,
-- whether it pushes directly or a team leader's relay hands it on; one
-- without (an older app that has not synced since) is taken on its token
-- alone, and only directly.
ALTER TABLE devices ADD COLUMN signing_key TEXT;
