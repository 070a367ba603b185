-- The secret a checkout answers when its card needs authentication: only its
-- SHA-256 is kept, and the public confirm step must present the secret itself.
ALTER TABLE charges ADD COLUMN client_secret_hash TEXT;
