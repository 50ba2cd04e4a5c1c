"""State changes of deals: create, change (fields, stage, account team, competitors), and pipelines. Each
writes its audit entry in the same transaction; a stage change queues the `deal.stage_changed` webhook,
which leaves only after the commit."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klient.catalog.models import validate_currency
from klient.catalog.selectors import convert
from klient.catalog.services import decimal_value
from klient.core.audit import AuditAction, audit_log, diff, snapshot
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import Role, User
from klient.customers.models import Company, CompanySource, Contact
from klient.customers.selectors import company_require_visible
from klient.sales.competitors.models import Competitor
from klient.sales.models import Deal, DealMember, Pipeline, Stage, StageKind
from klient.webhooks.models import WebhookEvent
from klient.webhooks.services import webhook_emit

# What a caller sets besides the company, the stage and the lists (members, competitors).
DEAL_FIELDS = {
    "title",
    "contact",
    "amount",
    "currency",
    "expected_close_date",
    "next_step",
    "next_step_date",
    "source",
    "lost_reason",
    "lost_to",
    "owner",
}


# The pipeline an installation starts with (also made by a migration): its stages with their
# probabilities and kinds, and the names in the other languages.
DEFAULT_PIPELINE: tuple[str, dict[str, str], list[tuple[str, int, str, dict[str, str]]]] = (
    "Sales",
    {"pl": "Sprzedaż", "bs": "Prodaja", "hy": "Վաճառք", "zh-hans": "销售", "ru": "Продажи"},
    [
        (
            "Qualification",
            10,
            StageKind.OPEN,
            {
                "pl": "Kwalifikacja",
                "bs": "Kvalifikacija",
                "hy": "Որակավորում",
                "zh-hans": "资格审查",
                "ru": "Квалификация",
            },
        ),
        (
            "Needs analysis",
            25,
            StageKind.OPEN,
            {
                "pl": "Analiza potrzeb",
                "bs": "Analiza potreba",
                "hy": "Կարիքների վերլուծություն",
                "zh-hans": "需求分析",
                "ru": "Анализ потребностей",
            },
        ),
        (
            "Proposal",
            50,
            StageKind.OPEN,
            {
                "pl": "Oferta",
                "bs": "Ponuda",
                "hy": "Առաջարկ",
                "zh-hans": "报价",
                "ru": "Коммерческое предложение",
            },
        ),
        (
            "Negotiation",
            75,
            StageKind.OPEN,
            {
                "pl": "Negocjacje",
                "bs": "Pregovori",
                "hy": "Բանակցություններ",
                "zh-hans": "谈判",
                "ru": "Переговоры",
            },
        ),
        (
            "Won",
            100,
            StageKind.WON,
            {"pl": "Wygrana", "bs": "Dobijeno", "hy": "Շահված", "zh-hans": "赢单", "ru": "Выиграна"},
        ),
        (
            "Lost",
            0,
            StageKind.LOST,
            {"pl": "Przegrana", "bs": "Izgubljeno", "hy": "Կորցված", "zh-hans": "丢单", "ru": "Проиграна"},
        ),
    ],
)


@transaction.atomic
def default_pipeline() -> Pipeline:
    """The pipeline new deals go to unless told otherwise; the starting one is made again when there is
    no pipeline at all, so deals always have somewhere to go."""
    pipeline = (
        Pipeline.objects.filter(is_default=True).first()
        or Pipeline.objects.order_by("position", "id").first()
    )
    if pipeline is None:
        name, names, stages = DEFAULT_PIPELINE
        pipeline = Pipeline.objects.create(name=name, names=names, is_default=True)
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                name=stage,
                names=translations,
                position=position,
                probability=probability,
                kind=kind,
            )
            for position, (stage, probability, kind, translations) in enumerate(stages)
        )
    return pipeline


def first_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position", "id").first()
    if stage is None:
        raise ValidationError({"stage": _("The pipeline has no open stage.")})
    return stage


def _amount_base(amount: Decimal, currency: str) -> Decimal:
    """The amount in the base currency at today's rate (what boards and forecasts add up)."""
    return convert(amount, currency, settings.BASE_CURRENCY, timezone.localdate())


def _check(deal: Deal) -> None:
    """A deal's own rules, each error naming its field."""
    errors: dict[str, str] = {}
    deal.title = str(deal.title or "").strip()
    if not deal.title:
        errors["title"] = _("Give the deal a title.")
    deal.next_step = str(deal.next_step or "").strip()
    deal.lost_reason = str(deal.lost_reason or "").strip()
    deal.currency = str(deal.currency or "").strip().upper()
    try:
        validate_currency(deal.currency)
    except ValidationError as error:
        errors["currency"] = error.messages[0]
    try:
        deal.amount = decimal_value(deal.amount, "amount", places=2)
    except ValidationError as error:
        errors.update({field: messages[0] for field, messages in error.message_dict.items()})
    if deal.stage.pipeline_id != deal.pipeline_id:
        errors["stage"] = _("The stage belongs to another pipeline.")
    if deal.status == StageKind.OPEN:
        if not deal.next_step:
            errors["next_step"] = _("An open deal needs a next step.")
        if deal.expected_close_date is None:
            errors["expected_close_date"] = _("An open deal needs an expected close date.")
    if deal.status == StageKind.LOST and not deal.lost_reason:
        errors["lost_reason"] = _("Say why the deal was lost.")
    if deal.source and deal.source not in CompanySource.values:
        errors["source"] = _("“%(value)s” is not a source.") % {"value": deal.source}
    if (
        deal.contact_id is not None
        and deal.contact is not None
        and deal.contact.company_id != deal.company_id
    ):
        errors["contact"] = _("The contact works for another company.")
    if errors:
        raise ValidationError(errors)
    if "currency" not in errors:
        try:
            deal.amount_base = _amount_base(deal.amount, deal.currency)
        except ValidationError as error:
            raise ValidationError({"currency": error.messages[0]}) from None


def _set_stage(deal: Deal, stage: Stage, now: datetime.datetime) -> None:
    deal.pipeline_id = stage.pipeline_id
    deal.stage = stage
    deal.status = stage.kind
    deal.probability = stage.probability
    deal.stage_changed_at = now
    deal.closed_at = None if stage.kind == StageKind.OPEN else now
    if stage.kind != StageKind.LOST:
        deal.lost_to = None


def _may(actor: User, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise NotAllowed(message)


def _competitor_labels(deal: Deal) -> list[str]:
    return sorted((competitor.name for competitor in deal.competitors.all()), key=str.casefold)


def _member_labels(deal: Deal) -> list[str]:
    return [
        f"{member.user.username} ({member.role})" if member.role else member.user.username
        for member in deal.members.select_related("user").order_by("user__username")
    ]


def _members(actor: User, members: Iterable[Any]) -> list[tuple[User, str]]:
    """[(user, part)] from [{"user": username or id, "role": "…"}] or [username]; each an active staff user."""
    found: list[tuple[User, str]] = []
    for entry in members:
        key, role = (
            (entry.get("user"), str(entry.get("role") or "")) if isinstance(entry, dict) else (entry, "")
        )
        user = (
            User.objects.filter(pk=key).first()
            if isinstance(key, int)
            else User.objects.filter(username=str(key)).first()
        )
        if user is None or not user.is_active or user.role == Role.PORTAL:
            raise ValidationError(
                {"members": _("No active colleague is named “%(value)s”.") % {"value": key}}
            )
        if user.pk in {other.pk for other, _part in found}:
            continue
        found.append((user, role.strip()[:100]))
    return found


def _competitors(ids: Iterable[Any]) -> list[Competitor]:
    wanted = {int(value) for value in ids}
    found = list(Competitor.objects.filter(pk__in=wanted))
    missing = wanted - {competitor.pk for competitor in found}
    if missing:
        raise ValidationError(
            {
                "competitors": _("No competitor with the id %(id)s.")
                % {"id": ", ".join(map(str, sorted(missing)))}
            }
        )
    return found


def _stage_changed(deal: Deal, before: Stage | None, actor: User) -> None:
    """The webhook of a stage change, queued with the change (sent after the commit)."""
    webhook_emit(
        event=WebhookEvent.DEAL_STAGE_CHANGED,
        key=f"deal.stage_changed:{deal.pk}:{deal.version}",
        payload={
            "deal": deal.pk,
            "title": deal.title,
            "company": deal.company_id,
            "pipeline": deal.pipeline_id,
            "from_stage": None
            if before is None
            else {"id": before.pk, "name": before.name, "kind": before.kind},
            "to_stage": {"id": deal.stage.pk, "name": deal.stage.name, "kind": deal.stage.kind},
            "status": deal.status,
            "amount": str(deal.amount),
            "currency": deal.currency,
            "expected_close_date": deal.expected_close_date.isoformat() if deal.expected_close_date else None,
            "lost_reason": deal.lost_reason,
            "lost_to": deal.lost_to_id,
            "changed_by": actor.username,
        },
    )


@transaction.atomic
def deal_create(
    *,
    actor: User,
    company: Company,
    stage: Stage | None = None,
    members: Iterable[Any] = (),
    competitors: Iterable[Any] = (),
    **data: Any,
) -> Deal:
    """Open a deal with a company the actor sees, in `stage` (the default pipeline's first by default);
    the owner defaults to the actor, the currency to the company's document currency."""
    _may(actor, "sales.add_deal", _("You may not add deals."))
    company_require_visible(user=actor, company=company)
    unknown = set(data) - DEAL_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    stage = stage or first_stage(default_pipeline())
    owner = data.pop("owner", None) or actor
    currency = data.pop("currency", None) or company.document_currency or settings.BASE_CURRENCY
    deal = Deal(company=company, owner=owner, team_id=owner.team_id, currency=currency, **data)
    now = timezone.now()
    _set_stage(deal, stage, now)
    deal.created_at = deal.updated_at = now
    _check(deal)
    chosen_members = _members(actor, members)
    chosen_competitors = _competitors(competitors)
    deal.save()
    DealMember.objects.bulk_create(
        DealMember(deal=deal, user=user, role=role) for user, role in chosen_members
    )
    deal.competitors.set(chosen_competitors)
    changes = diff({}, snapshot(deal, Deal.AUDITED_FIELDS))
    if chosen_members:
        changes["members"] = {"from": None, "to": _member_labels(deal), "from_label": None, "to_label": None}
    if chosen_competitors:
        labels = _competitor_labels(deal)
        changes["competitors"] = {
            "from": None,
            "to": labels,
            "from_label": None,
            "to_label": ", ".join(labels),
        }
    audit_log(instance=deal, action=AuditAction.CREATE, actor=actor, changes=changes)
    _stage_changed(deal, None, actor)
    return deal


@transaction.atomic
def deal_update(
    *,
    deal: Deal,
    actor: User,
    version: int,
    stage: Stage | None = None,
    members: Iterable[Any] | None = None,
    competitors: Iterable[Any] | None = None,
    **data: Any,
) -> Deal:
    """Change a deal: its fields, its stage (moving it on the board), its account team or competitors;
    refused with VersionConflict when `version` is stale. Moving to a lost stage needs a lost reason;
    an open deal needs a next step and an expected close date."""
    _may(actor, "sales.change_deal", _("You may not change deals."))
    current = Deal.objects.select_for_update().select_related("stage__pipeline", "company").get(pk=deal.pk)
    if current.version != version:
        raise VersionConflict(current.version)
    unknown = set(data) - DEAL_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    before = snapshot(current, Deal.AUDITED_FIELDS)
    before_members = _member_labels(current)
    before_competitors = _competitor_labels(current)
    before_stage = current.stage
    for name, value in data.items():
        setattr(current, name, value)
    if "owner" in data and data["owner"] is not None:
        current.team_id = data["owner"].team_id
    if stage is not None and stage.pk != current.stage_id:
        _set_stage(current, stage, timezone.now())
    _check(current)
    changes = diff(before, snapshot(current, Deal.AUDITED_FIELDS))
    if members is not None:
        chosen = _members(actor, members)
        DealMember.objects.filter(deal=current).delete()
        DealMember.objects.bulk_create(
            DealMember(deal=current, user=user, role=role) for user, role in chosen
        )
        after = _member_labels(current)
        if after != before_members:
            changes["members"] = {"from": before_members, "to": after, "from_label": None, "to_label": None}
    if competitors is not None:
        current.competitors.set(_competitors(competitors))
        after = _competitor_labels(current)
        if after != before_competitors:
            changes["competitors"] = {
                "from": before_competitors,
                "to": after,
                "from_label": ", ".join(before_competitors),
                "to_label": ", ".join(after),
            }
    if not changes:
        return current
    current.version = version + 1
    current.updated_at = timezone.now()
    current.save()
    audit_log(instance=current, action=AuditAction.UPDATE, actor=actor, changes=changes)
    if current.stage_id != before_stage.pk:
        _stage_changed(current, before_stage, actor)
    return current


def deal_contact(company: Company, contact_id: int | None) -> Contact | None:
    """The company's contact of that id (a ValidationError naming `contact` otherwise)."""
    if contact_id is None:
        return None
    contact = Contact.objects.filter(pk=contact_id, company=company).first()
    if contact is None:
        raise ValidationError({"contact": _("No contact of this company has this id.")})
    return contact


@transaction.atomic
def pipeline_create(
    *, actor: User, name: str, stages: Iterable[dict[str, Any]], is_default: bool = False
) -> Pipeline:
    """Add a pipeline with its stages in order ([{"name", "probability", "kind"}]); it needs an open stage,
    a won stage and a lost stage."""
    _may(actor, "sales.add_pipeline", _("You may not add pipelines."))
    name = str(name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the pipeline a name.")})
    if Pipeline.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A pipeline of this name exists.")})
    rows = list(stages)
    kinds = [str(row.get("kind") or StageKind.OPEN) for row in rows]
    names = [str(row.get("name") or "").strip() for row in rows]
    if not all(names) or len({stage.casefold() for stage in names}) != len(names):
        raise ValidationError({"stages": _("Each stage needs a name of its own.")})
    if not {StageKind.OPEN, StageKind.WON, StageKind.LOST} <= set(kinds) or not set(kinds) <= set(
        StageKind.values
    ):
        raise ValidationError({"stages": _("A pipeline needs open stages, a won stage and a lost stage.")})
    for row in rows:
        probability = row.get("probability")
        if not isinstance(probability, int) or isinstance(probability, bool) or not 0 <= probability <= 100:
            raise ValidationError({"stages": _("A stage's probability is a whole number from 0 to 100.")})
    if is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    pipeline = Pipeline.objects.create(
        name=name, is_default=is_default or not Pipeline.objects.exists(), position=Pipeline.objects.count()
    )
    for position, (row, stage_name, kind) in enumerate(zip(rows, names, kinds, strict=True)):
        Stage.objects.create(
            pipeline=pipeline,
            name=stage_name,
            names=row.get("names") or {},
            position=position,
            probability=row["probability"],
            kind=kind,
        )
    audit_log(
        instance=pipeline,
        action=AuditAction.CREATE,
        actor=actor,
        changes={"name": {"from": None, "to": name, "from_label": None, "to_label": name}},
    )
    return pipeline
