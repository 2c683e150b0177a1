"""The safety programme's records and status as the API and the web pages show them (one shape
for both, from `tvec.schemas.programme`)."""

from __future__ import annotations

from tvec.domain import programme as p
from tvec.schemas.programme import AttestationOut, ProgrammeStatusOut, RequirementOut, TrainingOut
from tvec.services.staff_safety import AttestationState, TrainingRow


def training_out(row: TrainingRow) -> TrainingOut:
    t = row.record
    return TrainingOut(
        id=t.id,
        user_id=t.user_id,
        user_name=row.user_name,
        course=t.course,
        course_title=row.course_title,
        completed_on=t.completed_on,
        expires_on=t.expires_on,
        recorded_by=t.recorded_by,
        recorded_at=t.recorded_at,
        current=row.current,
        expiring_soon=row.expiring_soon,
    )


def attestation_out(state: AttestationState) -> AttestationOut:
    latest = state.latest
    return AttestationOut(
        user_id=state.user_id,
        cleared=latest.cleared if latest else None,
        attested_on=latest.attested_on if latest else None,
        due_on=state.due_on,
        current=state.current,
        statement=state.rule.statement,
        source=state.rule.source,
        renewal=f"every {state.rule.renewal_days} days ({state.rule.renewal_source})",
    )


def status_out(programme: p.Programme, check: p.ProgrammeCheck) -> ProgrammeStatusOut:
    return ProgrammeStatusOut(
        region=programme.region,
        title=programme.title,
        blocks=check.blocks,
        requirements=[
            RequirementOut(
                id=o.requirement.id,
                subject=p.SUBJECT_WORDS[o.requirement.subject],
                needs=o.requirement.needs,
                applies=o.requirement.applies.value,
                enforcement=o.requirement.enforcement.value,
                status=o.status.value,
                who_acts=o.requirement.who_acts,
                to_do=o.requirement.to_do,
                source=o.requirement.source,
                tvec_rule=o.requirement.tvec_rule,
            )
            for o in check.outcomes
        ],
    )
