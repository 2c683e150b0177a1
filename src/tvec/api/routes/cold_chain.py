"""The pharmacy's storage: freezers and fridges, their readings, excursions and quarantine."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.domain.cold_chain import ExcursionRule
from tvec.schemas import cold_chain as c
from tvec.services import cold_chain as cc
from tvec.services import readings_import

router = APIRouter(tags=["storage"])


def rule_out(rule: ExcursionRule) -> c.RuleOut:
    return c.RuleOut(
        band_min_c=rule.min_c,
        band_max_c=rule.max_c,
        band_source=rule.band_source,
        min_duration_minutes=rule.min_duration_minutes,
        duration_source=rule.duration_source,
    )


PLAIN = ("id", "name", "kind", "last_reading_at", "last_temperature_c", "no_data", "gap_minutes")


def location_out(view: cc.LocationView) -> c.LocationOut:
    return c.LocationOut(
        **{k: getattr(view, k) for k in c.LocationOut.model_fields if k in PLAIN},
        rule=rule_out(view.rule),
        excursions_needing_attention=view.attention,
    )


NESTED = ("rule", "acknowledgements")


def excursion_out(x: cc.ExcursionView) -> c.ExcursionOut:
    return c.ExcursionOut(
        **{
            k: getattr(x, k)
            for k in c.ExcursionOut.model_fields
            if k not in ("rule", "acknowledgements")
        },
        rule=c.RuleOut(
            band_min_c=x.band_min_c,
            band_max_c=x.band_max_c,
            band_source=x.band_source,
            min_duration_minutes=x.min_duration_minutes,
            duration_source=x.duration_source,
        ),
        acknowledgements=[c.AcknowledgementOut.model_validate(a) for a in x.acknowledgements],
    )


@router.post(
    "/storage-locations",
    response_model=c.LocationOut,
    status_code=201,
    summary="Add a freezer or fridge (pharmacists)",
    description="Its band and excursion rule are the label data's for its kind (`tvec rules`). "
    "A name already used at the centre is refused (409, `field` `location_name`).",
)
async def add_location(body: c.LocationIn, act: Act) -> c.LocationOut:
    return location_out(await act(cc.add_location, body.location_name, body.kind))


@router.get(
    "/storage-locations",
    response_model=Page[c.LocationOut],
    summary="The centre's freezers and fridges, with their last reading and 'no data' alert",
)
async def locations(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[c.LocationOut]:
    return paged(await act(cc.list_locations), limit, offset, location_out)


@router.get(
    "/storage-locations/{location_id}",
    response_model=c.LocationDetailOut,
    summary="A location: band with its source, last reading, 'no data' alert, excursions",
)
async def location(location_id: Id, act: Act) -> c.LocationDetailOut:
    view = await act(cc.get_location, location_id)
    excursions = await act(cc.list_excursions, location_id)
    return c.LocationDetailOut(
        **location_out(view).model_dump(),
        excursions=[excursion_out(x) for x in excursions],
    )


READINGS_REFUSED = (
    "All or nothing: readings out of order or twice, a reading at or before the location's last "
    "stored reading, or in the future, refuse the whole import (422 naming the row and `field`) "
    "and nothing is written. Excursions are then found with the label data's rule, continuing "
    "the one under way; every vial in stock stored there during one is quarantined."
)


@router.post(
    "/storage-locations/{location_id}/readings",
    response_model=c.ImportOut,
    status_code=201,
    summary="Import readings given as JSON (pharmacists)",
    description=READINGS_REFUSED,
)
async def import_json(location_id: Id, body: c.ReadingsIn, act: Act) -> c.ImportOut:
    pairs = [(reading.at, reading.temperature_c) for reading in body.readings]
    return c.ImportOut.model_validate(
        await act(readings_import.import_readings, location_id, pairs)
    )


@router.post(
    "/storage-locations/{location_id}/readings.csv",
    response_model=c.ImportOut,
    status_code=201,
    summary="Import a data logger's CSV export (pharmacists)",
    description="The file (multipart field `file`): a header row with `Timestamp` (ISO 8601 "
    "with UTC offset) and `Temperature (°C)`; other columns are ignored. A file in another "
    "layout is refused naming its row and column (`field`). " + READINGS_REFUSED,
)
async def import_csv(
    location_id: Id, act: Act, file: Annotated[UploadFile, File(description="Logger CSV")]
) -> c.ImportOut:
    content = await file.read()
    result = await act(
        readings_import.import_logger_file, location_id, content, file.filename or ""
    )
    return c.ImportOut.model_validate(result)


@router.get(
    "/excursions",
    response_model=Page[c.ExcursionOut],
    summary="The centre's temperature excursions, the latest first",
)
async def excursions(
    act: Act,
    open: Annotated[
        bool,
        Query(
            description="Only those needing attention: ongoing, not yet acknowledged, or "
            "with vials still quarantined."
        ),
    ] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[c.ExcursionOut]:
    found = await act(cc.list_excursions, None, open)
    return paged(found, limit, offset, excursion_out)


@router.post(
    "/excursions/{excursion_id}/acknowledge",
    response_model=c.ExcursionOut,
    summary="Acknowledge an excursion (pharmacists; each once, several may)",
)
async def acknowledge(excursion_id: Id, body: c.AcknowledgeIn, act: Act) -> c.ExcursionOut:
    return excursion_out(await act(cc.acknowledge_excursion, excursion_id, body.note))


@router.post(
    "/vials/{vial_id}/release",
    response_model=c.VialOutcomeOut,
    summary="Release a quarantined vial into stock, with the reason (pharmacists)",
    description="A vial that is not quarantined is refused (409).",
)
async def release(vial_id: Id, body: c.ReleaseIn, act: Act) -> c.VialOutcomeOut:
    return c.VialOutcomeOut.model_validate(await act(cc.release_vial, vial_id, body.reason))


@router.post(
    "/vials/{vial_id}/discard",
    response_model=c.VialOutcomeOut,
    summary="Discard a quarantined vial (reason: excursion; pharmacists)",
    description="A vial that is not quarantined is refused (409).",
)
async def discard(vial_id: Id, body: c.DiscardIn, act: Act) -> c.VialOutcomeOut:
    return c.VialOutcomeOut.model_validate(await act(cc.discard_vial, vial_id, body.note))
