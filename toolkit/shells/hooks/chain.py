"""ChainHandler: several handlers behind one, run in order at every stage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from toolkit.shells.hooks.api import STAGES, Action, Handler, Kind, call_hook


class ChainHandler(Handler):
    """Runs handlers in order at every stage; a verdict other than continue stops the chain for that stage."""

    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = tuple(handlers)
        self.wants = frozenset(s for h in self.handlers for s in STAGES if h.needs(s))
        for stage in STAGES:
            if any(h.implements(stage) for h in self.handlers):
                setattr(self, stage, self._stage_runner(stage))

    def _stage_runner(self, stage: str) -> Callable[..., Any]:
        async def run(*args: Any) -> tuple[Action, ...]:
            collected: list[Action] = []
            for handler in self.handlers:
                actions = await call_hook(handler, stage, *args)
                collected.extend(actions)
                if any(a.is_verdict and a.kind is not Kind.CONTINUE for a in actions):
                    break
            return tuple(collected)

        return run
