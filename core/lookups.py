"""``field__in_array=[…]``: ``IN`` whose SQL does not depend on how many values it has."""

from django.db.models import lookups


class InArray(lookups.In):
    """``field IN (values)``; on PostgreSQL ``field = ANY(%s)`` with the values as one array
    parameter. The SQL text is then the same for one id or two hundred, so a query built on
    it can be compiled once and run many times (``core.rows.CompiledRows``); the
    planner reads ``= ANY(array)`` with the same index as ``IN``."""

    lookup_name = "in_array"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [value for value in self.rhs if value is not None]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)
