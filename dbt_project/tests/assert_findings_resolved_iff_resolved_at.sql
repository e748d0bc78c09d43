-- A finding is resolved exactly when it has a resolution time, and never resolves before it opens.
select finding_id, status, first_seen_at, resolved_at
from {{ ref('drift_findings') }}
where (status = 'resolved') <> (resolved_at is not null)
    or resolved_at < first_seen_at
