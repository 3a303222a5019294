"""Named permissions for the plan (one layer for pages, templates and downloads)."""
from app.permissions import is_staff, predicate, register


@predicate
def plan_is_public(user, plan) -> bool:
    """A plan is public once it goes to review (residents follow the review) and after adoption."""
    from app.plans.models import PlanStatus

    return plan is not None and plan.status is not PlanStatus.DRAFT


@predicate
def reviews_open_round(user, plan) -> bool:
    from app.plans.services import may_review, open_round

    return plan is not None and may_review(user, open_round(plan))


@predicate
def adopts(user, plan) -> bool:
    from app.plans.services import may_adopt

    return plan is not None and may_adopt(user)


register("plans.view", plan_is_public | is_staff)
register("plans.manage", is_staff)
register("plans.comment", reviews_open_round)
register("plans.adopt", adopts)
register("plans.execute", is_staff)
register("plans.evidence", is_staff)
