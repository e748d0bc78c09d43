{#- The ingest quarantine tables that exist right now: dlt writes `<table>__quarantine` beside a
    raw table only once a record of it was refused, so the set changes between builds. Looked up
    in each raw schema the project declares as a source (never dlt's `*_staging` copies) through
    the adapter, so this runs on any warehouse. Returns dicts {system, table, relation, columns}.
    Empty while parsing (no warehouse is touched then). -#}
{% macro ingest_quarantine_tables() %}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- set schemas = {} -%}
        {%- for source in graph.sources.values() -%}
            {%- do schemas.update({source.schema: source.source_name}) -%}
        {%- endfor -%}
        {%- for schema, system in schemas | dictsort -%}
            {%- set schema_relation = api.Relation.create(database=target.database, schema=schema) -%}
            {%- set listed = list_relations_without_caching(schema_relation) -%}
            {%- for name in listed.columns['name'].values() | sort -%}
                {%- if name.endswith('__quarantine') -%}
                    {%- set relation = adapter.get_relation(target.database, schema, name) -%}
                    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
                    {%- do found.append({
                        'system': system,
                        'table': name[:-('__quarantine' | length)],
                        'relation': relation,
                        'columns': columns,
                    }) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{% endmacro %}
