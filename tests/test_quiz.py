"""Quiz (rnnlib.widgets): multiple-choice questions with feedback on every answer.

Answered as a learner would, by choosing an option in a question's RadioButtons, and judged by
the text the quiz then shows, its score and its summary line.
"""
import time

import numpy as np
import pytest
from IPython.core.formatters import format_display_data

from rnnlib.widgets import Quiz

QUESTIONS = [
    {"question": "What does h_t depend on?",
     "options": [("x_t only", False, "No: h_(t-1) enters too, through Wh."),
                 ("x_t and h_(t-1)", True, "Yes: a_t = x_t Wx + h_(t-1) Wh + b."),
                 ("h_(t-1) only", False, "No: without x_t the network never reads its input.")]},
    {"question": "Which shape does x have, batch first?",
     "options": [("(T, N, F)", False, "That is time first, torch's default."),
                 ("(N, T, F)", True, "Right: batch, time, features.")]},
    {"question": "Is Wh the same matrix at every step?",
     "options": [("Yes", True, "One Wh, shared by every step of the unrolled graph."),
                 ("No", False, "The weights are shared across time; only the state changes.")]},
]


@pytest.fixture
def quiz():
    return Quiz(QUESTIONS)


def test_nothing_is_answered_at_first_and_the_cell_text_is_stable(quiz):
    assert repr(quiz) == "Quiz(3 questions)"
    data, _ = format_display_data(quiz)                 # what Jupyter stores for the cell
    assert data["text/plain"] == "Quiz(3 questions)"
    assert "application/vnd.jupyter.widget-view+json" in data
    assert quiz.answers == [None, None, None] and quiz.score == 0
    assert quiz.shown_text() == "3 questions: choose an answer to see why it is right or wrong.\n"
    assert all(out.outputs == () for out in quiz.feedback)
    assert repr(Quiz(QUESTIONS[:1])) == "Quiz(1 question)"


def test_a_wrong_answer_says_why_and_a_changed_answer_replaces_it(quiz):
    quiz.choices[0].value = 0                           # "x_t only"
    assert quiz.shown_text().splitlines()[0] == "Not quite. No: h_(t-1) enters too, through Wh."
    assert quiz.score == 0
    quiz.choices[0].label = "x_t and h_(t-1)"          # choosing by the text works too
    lines = quiz.shown_text().splitlines()
    assert lines[0] == "Right. Yes: a_t = x_t Wx + h_(t-1) Wh + b."
    assert "enters too" not in quiz.shown_text()        # replaced, not appended
    assert len(quiz.feedback[0].outputs) == 1
    assert lines[-1] == "Score: 1 of 3 right (2 still open)."


def test_each_question_shows_its_own_feedback_and_the_score_counts_right_answers(quiz):
    quiz.choices[2].value = 1                           # "No": wrong
    quiz.choices[1].value = 1                           # "(N, T, F)": right
    assert quiz.answers == [None, 1, 1]
    assert quiz.feedback[0].outputs == ()
    assert "Right: batch, time, features." in quiz.feedback[1].outputs[0]["data"]["text/plain"]
    assert "shared across time" in quiz.feedback[2].outputs[0]["data"]["text/plain"]
    assert quiz.score == 1 and quiz.summary == "Score: 1 of 3 right (1 still open)."
    quiz.choices[0].value = 1
    quiz.choices[2].value = 0
    assert quiz.score == 3 and quiz.summary == "Score: 3 of 3 right."
    assert quiz.shown_text().endswith("Score: 3 of 3 right.\n")


def test_feedback_is_html_for_the_room_and_text_for_tests(quiz):
    quiz.choices[1].value = 0
    data = quiz.feedback[1].outputs[0]["data"]
    assert data["text/plain"] == "Not quite. That is time first, torch's default."
    assert "<b>Not quite.</b>" in data["text/html"] and "rnnlib-quiz-wrong" in data["text/html"]
    assert "torch&#x27;s" in data["text/html"]         # the author's text is escaped, not markup
    style = quiz.widget.children[0].value               # large text, scoped to the quiz's box
    assert style.startswith("<style>") and ".rnnlib-quiz .widget-radio-box label" in style


def test_clearing_a_choice_clears_its_feedback(quiz):
    quiz.choices[0].value = 1
    quiz.choices[0].value = None
    assert quiz.feedback[0].outputs == () and quiz.score == 0
    assert quiz.summary.startswith("3 questions: choose")


def test_answering_is_fast(quiz):
    times = []
    for k in [0, 1, 2, 1, 0, 2, 1, 0, 2, 1]:
        t0 = time.process_time()
        quiz.choices[0].value = k
        times.append(time.process_time() - t0)
    # about 0.1 ms each; the median, so one pause of a busy machine cannot fail it
    assert np.median(times) < 0.02, f"median answer {np.median(times) * 1e3:.1f} ms"


def one(**changes):
    """QUESTIONS[0] with some keys changed: a question to break."""
    return [dict(QUESTIONS[0], **changes)]


OPTS = QUESTIONS[0]["options"]


@pytest.mark.parametrize("questions, kind, words", [
    ("What is h?", TypeError, ["questions should be a list of dicts", "got str"]),
    ([], ValueError, ["questions is empty", "at least one question"]),
    ([("What is h?", OPTS)], TypeError, ["questions[0] should be a dict", "got tuple"]),
    ([{"question": "What?", "answers": OPTS}], ValueError,
     ["questions[0]", "missing ['options']", "unknown ['answers']"]),
    (one(question=""), ValueError, ["questions[0]['question'] should be the question's text"]),
    (one(options=OPTS[:1]), ValueError, ["question 1 ('What does h_t depend on?')", "at least 2 options"]),
    (one(options=[OPTS[0], ("x_t and h", True)]), ValueError,
     ["option 1 should be a tuple (text, correct, feedback)"]),
    (one(options=[OPTS[0], ("x_t and h", "yes", "Because.")]), TypeError,
     ["option 1 ('x_t and h') should say True or False", "got 'yes'"]),
    (one(options=[OPTS[0], ("x_t and h", True, "  ")]), ValueError,
     ["option 1 ('x_t and h') has no feedback", "why it is right or why it is wrong"]),
    (one(options=[OPTS[0], ("", True, "Because.")]), ValueError, ["option 1 has no text"]),
    (one(options=[OPTS[0], OPTS[2]]), ValueError,
     ["has no option marked correct", "exactly one option should be (text, True, feedback)"]),
    (one(options=[OPTS[1], ("both", True, "Also.")]), ValueError,
     ["has 2 options marked correct ('x_t and h_(t-1)', 'both')"]),
    (one(options=[OPTS[1], OPTS[0], OPTS[0]]), ValueError, ["lists the option 'x_t only' twice"]),
])
def test_a_badly_written_question_is_explained(questions, kind, words):
    with pytest.raises(kind) as info:
        Quiz(questions)
    assert str(info.value).startswith("Quiz: ")
    for w in words:
        assert w in str(info.value)


def test_a_later_question_is_named_by_its_number_and_start():
    long = "Why does the gradient through many steps of tanh shrink so fast?"
    bad = QUESTIONS[:2] + [{"question": long, "options": [OPTS[0], OPTS[2]]}]
    with pytest.raises(ValueError, match=r"Quiz: question 3 \('Why does the gradient through many st\.\.\.'\) has no option"):
        Quiz(bad)
