{#- Exact money arithmetic. Amounts are rounded to the currency's decimals (0, 1 or 2) half up — away
    from zero, as Salesforce and Certinia do — and schedules are computed in integer minor units so that
    nothing passes through a float (DuckDB's DECIMAL / INTEGER is a DOUBLE). -#}

{#- An amount as an integer count of minor units (cents), rounded half away from zero. Widened before it is
    scaled: a DECIMAL(18,2) amount times 100 overflows 18 digits from 10^14 up. -#}
{% macro to_minor_units(amount, decimal_places) -%}
    case {{ decimal_places }}
        when 0 then cast(round({{ amount }}, 0) as hugeint)
        when 1 then cast(cast(round({{ amount }}, 1) as decimal(38, 1)) * 10 as hugeint)
        else cast(cast(round({{ amount }}, 2) as decimal(38, 2)) * 100 as hugeint)
    end
{%- endmacro %}

{#- An amount rounded half away from zero to the currency's decimals (a JPY cost of 364.19 is 364), as a
    DECIMAL(18, 2): what to_minor_units then from_minor_units give, without 128-bit integers on the way
    (a quarter of int_recognition__source_lines' time at 1,000,000 opportunities). -#}
{% macro round_to_currency(amount, decimal_places) -%}
    case {{ decimal_places }}
        when 0 then cast(round({{ amount }}, 0) as decimal(18, 2))
        when 1 then cast(round({{ amount }}, 1) as decimal(18, 2))
        else cast(round({{ amount }}, 2) as decimal(18, 2))
    end
{%- endmacro %}

{#- Minor units back to an amount, exactly (decimal multiplication, no float). -#}
{% macro from_minor_units(units, decimal_places) -%}
    cast(cast({{ units }} as decimal(38, 0))
         * case {{ decimal_places }} when 0 then 1.00 when 1 then 0.10 else 0.01 end as decimal(18, 2))
{%- endmacro %}

{#- An amount (at most 2 decimals) converted at a rate (units of its currency per one corporate unit, at most
    6 decimals) as an integer count of the target currency's minor units, rounded half away from zero. Both
    are scaled to integers first: amount / rate would be a DOUBLE (160.45 / 2 = 80.22499… → 80.22, not 80.23). -#}
{% macro to_converted_minor_units(amount, rate, decimal_places) -%}
    {{ half_up_div('cast(cast(' ~ amount ~ ' as decimal(38, 2)) * 100 as hugeint) * case ' ~ decimal_places
                       ~ ' when 0 then 10000 when 1 then 100000 else 1000000 end',
                   'cast(' ~ rate ~ ' * 1000000 as hugeint)') }}
{%- endmacro %}

{#- round(numerator / denominator) half away from zero, for integers with a positive denominator. -#}
{% macro half_up_div(numerator, denominator) -%}
    (sign({{ numerator }}) * ((2 * abs({{ numerator }}) + {{ denominator }}) // (2 * {{ denominator }})))
{%- endmacro %}

{#- The corporate currency's decimal places, from the currencies seed (2 when it is not listed). -#}
{% macro corporate_decimals() -%}
    coalesce((select decimal_places from {{ ref('currencies') }}
              where currency_code = '{{ var("corporate_currency") }}'), 2)
{%- endmacro %}
