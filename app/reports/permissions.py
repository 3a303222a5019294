"""Named permissions for reports.

Reports are aggregates of what is public already (meetings held, head counts, public spending,
agenda stage counts) and the district publishes them each year, so anyone may read them.
"""
from app.permissions import predicate, register


@predicate
def anyone(user, obj=None) -> bool:
    return True


register("reports.view", anyone)
