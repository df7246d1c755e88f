"""summariser: news articles to grounded, validated event, stance and quote records."""

from summariser.api import summarise
from summariser.errors import SummariserError
from summariser.schemas import Event, Meta, Quote, Stance, Summary

__all__ = ["Event", "Meta", "Quote", "Stance", "Summary", "SummariserError", "summarise"]
__version__ = "0.1.0"
