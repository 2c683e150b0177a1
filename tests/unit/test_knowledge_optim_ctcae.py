"""OPTiM's common reactions are matched to terms a centre can record: each is a CTCAE v5.0 term."""

from __future__ import annotations

from tvec.knowledge.ctcae import load_ctcae
from tvec.knowledge.trials import load_trial


def test_every_reaction_maps_to_a_ctcae_term_tvec_offers() -> None:
    ctcae = load_ctcae()
    for rate in load_trial("optim").adverse_reactions.rates:
        for term in rate.ctcae_terms:
            found = ctcae.find(term)
            assert found is not None, f"{rate.term}: {term} is not a CTCAE term in tvec"
            assert found.name == term  # spelt as CTCAE spells it
