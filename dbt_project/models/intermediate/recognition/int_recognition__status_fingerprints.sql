-- One row per line of fct_recognition_status (a recognised source line, or a line with a published
-- schedule): a hash of what its status row depends on, so that an incremental build recomputes only the
-- lines whose hash changed (macros/incremental_by_fingerprint.sql): the line's adjusted_fingerprint, which covers its
-- published schedule rows and the whole source line; for a recognised line with no published schedule, the
-- whole source line itself; and the mart's SQL.
-- The as-of date is left out: the mart recomputes the lines with a period between the as-of date its row
-- was built for and today's, and restates as_of_date on the others.

with published as (

    select source_object, source_id, adjusted_fingerprint
    from {{ ref('int_recognition__adjusted_fingerprints') }}

),

recognised as (

    select * from {{ ref('int_recognition__source_lines') }}
    where exclusion_reason is null

),

status_lines as (

    select
        coalesce(published.source_object, recognised.source_object) as source_object,
        coalesce(published.source_id, recognised.source_id) as source_id,
        published.adjusted_fingerprint,
        -- the whole row only where no adjusted_fingerprint stands for it: hashing every row costs seconds
        case when published.source_id is null then hash(recognised) end as unpublished_line_hash

    from recognised
    full outer join published
        on published.source_object = recognised.source_object and published.source_id = recognised.source_id

)

select
    source_object,
    source_id,
    hash(source_object, source_id, adjusted_fingerprint, unpublished_line_hash,
         {{ models_code_hash(['fct_recognition_status']) }}) as status_fingerprint

from status_lines
