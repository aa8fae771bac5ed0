{#- Rows where the expression is not true fail (NULL counts as passing: the expression's inputs
    are tested for nulls separately where that matters). -#}
{% test expression_is_true(model, expression) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}
