"""The audit screen's left panel: one line per checklist, with how far it is answered and its
score (red when one of its gates failed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text as RichText
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from vaudit.tui.screens.base import Words

if TYPE_CHECKING:
    from vaudit.audits.scoring import AuditScore
    from vaudit.tui.app import VauditApp
    from vaudit.tui.sync import Section


class SectionList(Words, OptionList):
    app: VauditApp

    def show(self, sections: Sequence[Section], score: AuditScore, index: int) -> None:
        prompts = [self._prompt(section, score) for section in sections]
        if self.option_count == len(prompts):
            # Replace only the prompts that changed: rebuilding the list re-lays the screen.
            for n, prompt in enumerate(prompts):
                if self.get_option_at_index(n).prompt != prompt:
                    self.replace_option_prompt_at_index(n, prompt)
        else:
            self.clear_options()
            self.add_options([Option(p, id=s.id) for p, s in zip(prompts, sections, strict=True)])
        self.point_at(index)

    def point_at(self, index: int) -> None:
        if self.highlighted != index:
            self.highlighted = index

    def _prompt(self, section: Section, score: AuditScore) -> RichText:
        scored = score.section(section.id)
        done = f"{scored.answered}/{scored.applicable}" if scored else ""
        value = f"{scored.score:5.1f}" if scored and scored.score is not None else "   – "
        label = RichText.assemble(
            (section.title(self.app.lang), "bold"), "\n", (f"{done:>7}  {value}", "dim")
        )
        if scored and scored.failed_gates:
            label.stylize("red")
        return label
