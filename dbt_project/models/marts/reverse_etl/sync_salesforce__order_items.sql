-- The values written back to each order product recognised here: revenue recognised and cost amortised
-- to the as-of date, in the order product's currency, and whether recognition is complete.

select
    source_id as order_item_id,
    recognized_to_date,
    amortized_to_date,
    recognition_complete

from {{ ref('fct_recognition_status') }}
where source_object = 'OrderItem'
