"""Quiz: a few multiple-choice questions with feedback on every answer, why it is right or why
it is wrong, written to be projected in a classroom.

    quiz = rnnlib.widgets.Quiz([
        {"question": "What does h_t depend on?",
         "options": [("x_t only", False, "No: the previous state h_(t-1) enters too, through Wh."),
                     ("x_t and h_(t-1)", True, "Yes: both, through x_t @ Wx + h_(t-1) @ Wh + b."),
                     ("h_(t-1) only", False, "No: without x_t the network never reads its input.")]},
        ...
    ])
    quiz                              # the last line of a cell

Each option is (text, correct, feedback): exactly one option of a question is correct, and
every option has feedback. Like every explorer, the quiz writes nothing into the cell but its
text/plain, "Quiz(3 questions)", so strict nbval is stable; answers show their feedback in
the quiz's own Outputs. A test answers by setting a control, `quiz.choices[0].value = 1` (the
option's position) or `quiz.choices[0].label = "x_t and h_(t-1)"`, and reads
`quiz.shown_text()`, `quiz.score` and `quiz.summary`.
"""
from __future__ import annotations

import html

import ipywidgets as W

from .explorer import Explorer, output_text

_FORMAT = ('a list of dicts {"question": str, "options": [(text, correct, feedback), ...]}, '
          'with correct True for exactly one option of each question')

# Large, wrapping text for a projector. The variables are ipywidgets' own, so the radio
# buttons grow with their labels; scoped to the quiz's box, so nothing else changes.
_CSS = """<style>
.rnnlib-quiz { --jp-widgets-font-size: 17px; --jp-widgets-radio-item-height: 30px;
               font-size: 17px; max-width: 62em; }
.rnnlib-quiz .rnnlib-quiz-question { font-size: 19px; font-weight: 600; margin-top: 0.9em; }
.rnnlib-quiz .widget-radio-box label { height: auto; min-height: 30px; line-height: 1.4;
                                       white-space: normal; padding: 3px 0; }
.rnnlib-quiz .rnnlib-quiz-right { color: #1b6e2a; }
.rnnlib-quiz .rnnlib-quiz-wrong { color: #a4262c; }
.rnnlib-quiz .jp-RenderedHTMLCommon { font-size: 17px; }
</style>"""


class Quiz(Explorer):
    """Multiple-choice questions, each answer followed by why it is right or wrong.

    Quiz(questions, title="Quiz"), questions as in the module's docstring. Controls:
    self.choices[i], the RadioButtons of question i (value: the chosen option's position,
    None before an answer); self.feedback[i], the Output that explains the chosen option;
    self.out, the Output with the summary line. self.score is the number of questions now
    answered right; an answer can be changed, and the score follows.
    """

    def __init__(self, questions, title="Quiz"):
        self.questions = _checked(questions)
        if not isinstance(title, str):
            raise TypeError(f"Quiz: title should be a str, got {type(title).__name__}.")
        self.title = title
        self.choices, self.feedback = [], []
        rows = [W.HTML(_CSS)]
        if title:
            rows.append(W.HTML(f"<h3>{html.escape(title)}</h3>"))
        for i, q in enumerate(self.questions):
            text = W.HTMLMath(f"{i + 1}. {html.escape(q['question'])}")
            text.add_class("rnnlib-quiz-question")
            choice = W.RadioButtons(options=[(o[0], k) for k, o in enumerate(q["options"])],
                                    value=None, layout=W.Layout(width="auto"))
            feedback = W.Output()
            choice.observe(lambda change, i=i: self._answer(i), names="value")
            self.choices.append(choice)
            self.feedback.append(feedback)
            rows += [text, choice, feedback]
        self.out = W.Output()
        self.widget = W.VBox(rows + [self.out])
        self.widget.add_class("rnnlib-quiz")
        self._show_summary()

    @property
    def answers(self) -> list:
        """The chosen option's position for each question, None where none is chosen yet."""
        return [c.value for c in self.choices]

    @property
    def score(self) -> int:
        """How many questions are now answered with their correct option."""
        return sum(a is not None and q["options"][a][1]
                   for q, a in zip(self.questions, self.answers))

    @property
    def summary(self) -> str:
        """The line under the quiz: how to start, or the score so far."""
        n, answered = len(self.questions), sum(a is not None for a in self.answers)
        if answered == 0:
            return (f"{n} question{'s' if n != 1 else ''}: choose an answer to see why it is "
                    f"right or wrong.")
        rest = "" if answered == n else f" ({n - answered} still open)"
        return f"Score: {self.score} of {n} right{rest}."

    def _answer(self, i):
        """Show why the option now chosen for question i is right or wrong, and the score."""
        k = self.choices[i].value
        out = self.feedback[i]
        if k is None:
            out.outputs = ()
        else:
            _, correct, why = self.questions[i]["options"][k]
            verdict = "Right." if correct else "Not quite."
            kind = "right" if correct else "wrong"
            out.outputs = (_text(f"{verdict} {why}", f'<div class="rnnlib-quiz-{kind}"><b>'
                                 f'{verdict}</b> {html.escape(why)}</div>'),)
        self._show_summary()

    def _show_summary(self):
        self.out.outputs = (_text(self.summary, f"<b>{html.escape(self.summary)}</b>"),)

    def shown_text(self) -> str:
        """The feedback now shown under every question, in order, then the summary line."""
        return "".join(output_text(out) for out in self.feedback) + output_text(self.out)

    def __repr__(self):
        n = len(self.questions)
        return f"Quiz({n} question{'s' if n != 1 else ''})"


def _text(plain, page) -> dict:
    """One display_data output: text/plain for tests and nbval, HTML for the room. Assigned as
    an Output's whole outputs, it replaces what was shown, as Explorer.show does."""
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/plain": plain, "text/html": page}}


def _checked(questions) -> list:
    """The questions as a list of {"question", "options"} dicts, or an error saying what is
    wrong with which question, in the words of the person writing the quiz."""
    where = "Quiz"
    if not isinstance(questions, (list, tuple)):
        raise TypeError(f"{where}: questions should be {_FORMAT}; got {type(questions).__name__}.")
    if not questions:
        raise ValueError(f"{where}: questions is empty; give at least one question, as {_FORMAT}.")
    checked = []
    for i, q in enumerate(questions):
        at = f"{where}: questions[{i}]"
        if not isinstance(q, dict):
            raise TypeError(f"{at} should be a dict {{'question': str, 'options': [...]}}, got "
                            f"{type(q).__name__}.")
        keys = set(q)
        if keys != {"question", "options"}:
            missing, extra = sorted({"question", "options"} - keys), sorted(keys - {"question", "options"})
            raise ValueError(f"{at} should have exactly the keys 'question' and 'options'"
                             + (f"; missing {missing}" if missing else "")
                             + (f"; unknown {extra}" if extra else "") + ".")
        if not isinstance(q["question"], str) or not q["question"].strip():
            raise ValueError(f"{at}['question'] should be the question's text, got {q['question']!r}.")
        at = f"{where}: question {i + 1} ({_short(q['question'])})"
        options = q["options"]
        if not isinstance(options, (list, tuple)) or len(options) < 2:
            raise ValueError(f"{at} should have a list of at least 2 options (text, correct, "
                             f"feedback), got {options!r}.")
        for k, o in enumerate(options):
            if not (isinstance(o, (list, tuple)) and len(o) == 3):
                raise ValueError(f"{at}: option {k} should be a tuple (text, correct, feedback), "
                                 f"got {o!r}.")
            text, correct, why = o
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{at}: option {k} has no text; its first item should be a "
                                 f"non-empty str, got {text!r}.")
            if not isinstance(correct, bool):
                raise TypeError(f"{at}: option {k} ({text!r}) should say True or False for "
                                f"correct, got {correct!r}.")
            if not isinstance(why, str) or not why.strip():
                raise ValueError(f"{at}: option {k} ({text!r}) has no feedback. Every option "
                                 f"needs a sentence saying why it is right or why it is wrong.")
        texts = [o[0] for o in options]
        twice = sorted({t for t in texts if texts.count(t) > 1})
        if twice:
            raise ValueError(f"{at} lists the option {twice[0]!r} twice; give each option once.")
        right = [o[0] for o in options if o[1]]
        if len(right) != 1:
            what = ("has no option marked correct" if not right else
                    f"has {len(right)} options marked correct ({', '.join(map(repr, right))})")
            raise ValueError(f"{at} {what}; exactly one option should be (text, True, feedback).")
        checked.append({"question": q["question"], "options": [tuple(o) for o in options]})
    return checked


def _short(text, n=40) -> str:
    return repr(text if len(text) <= n else text[: n - 3] + "...")
