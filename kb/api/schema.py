"""What drf-spectacular's generated document needs besides the views' annotations."""

from __future__ import annotations


def empty_query_parameters_are_allowed(result, generator, request, public):
    """Every query parameter accepts an empty value, which means "not given" (as the
    search page's form sends it): ``allowEmptyValue`` says so."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
    return result
