{#- Use the folder's schema as it is (staging, intermediate, bi, restricted, reference) rather
    than dbt's default `<target schema>_<custom schema>`: the schema names are an interface. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
