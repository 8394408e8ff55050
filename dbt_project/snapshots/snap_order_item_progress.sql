{#- The history of % complete: every version of a "% Complete" order product seen by a run, dated by its
    SystemModstamp. Recognition needs the value in force at each period end, which Salesforce itself does
    not keep. -#}
{% snapshot snap_order_item_progress %}

{{ config(unique_key='order_item_id', strategy='timestamp', updated_at='modified_at') }}

select order_item_id, recognition_template, percent_complete, is_delivered, modified_at
from {{ ref('stg_salesforce__order_items') }}
where recognition_template = '% Complete' and not is_deleted

{% endsnapshot %}
