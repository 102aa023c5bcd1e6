-- Suppressed cells are NULL in the public summary (LIKE copied the NOT NULL constraints).
ALTER TABLE mart.followthrough_summary_public
    ALTER COLUMN reported_asn DROP NOT NULL, ALTER COLUMN proven_asn DROP NOT NULL,
    ALTER COLUMN recommended DROP NOT NULL, ALTER COLUMN sanctioned DROP NOT NULL,
    ALTER COLUMN revoked DROP NOT NULL, ALTER COLUMN pending DROP NOT NULL,
    ALTER COLUMN overdue DROP NOT NULL, ALTER COLUMN closed DROP NOT NULL;
ALTER TABLE mart_stage.followthrough_summary_public
    ALTER COLUMN reported_asn DROP NOT NULL, ALTER COLUMN proven_asn DROP NOT NULL,
    ALTER COLUMN recommended DROP NOT NULL, ALTER COLUMN sanctioned DROP NOT NULL,
    ALTER COLUMN revoked DROP NOT NULL, ALTER COLUMN pending DROP NOT NULL,
    ALTER COLUMN overdue DROP NOT NULL, ALTER COLUMN closed DROP NOT NULL;
