-- A device re-enrolled from the same device file is retired in the same
-- transaction as the new enrollment: its token refused (`revoked_at`) and
-- the device that replaced it named here, so `admin devices` can say
-- "đã thay thế" rather than "đã thu hồi".
ALTER TABLE devices ADD COLUMN replaced_by TEXT REFERENCES devices(id);
