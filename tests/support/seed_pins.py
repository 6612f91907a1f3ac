"""The seed article's figures and footnotes: the product's promise, pinned on purpose.

These are the only expected values the tests copy by hand. Every other expectation is
derived from data/knowledge.yml at test time, so an ordinary edit of the knowledge file
does not break the suite; changing one of these means the bot no longer says what the
article says.
"""

# (figure exactly as the bot writes it, id of the source that must back it)
SEED_FIGURES = [
    ("$131,490", "bls"),
    ("$125,672", "indeed_salary"),
    ("21%", "bls"),
    ("2031", "bls"),
    ("344%", "coursera"),
    ("between 2015 and 2018", "coursera"),
    ("#1 job of 2019", "indeed_best_jobs"),
    ("4.9 from 6,747 ratings", "coursera"),
    ("220,274", "coursera"),
    ("about 1 month", "coursera"),
]

# The Indeed average is the one figure the article dates.
SEED_AS_OF = {"$125,672": "2022-06"}

# The article's five footnotes, all accessed on the same day.
SEED_FOOTNOTE_URLS = {
    "https://www.ibm.com/cloud/learn/machine-learning",
    "https://www.bigcommerce.com/blog/ecommerce-machine-learning/",
    "https://www.bls.gov/ooh/computer-and-information-technology/computer-and-information-research-scientists.htm",
    "https://www.indeed.com/lead/best-jobs-2019",
    "https://www.indeed.com/career/machine-learning-engineer/salaries",
}
SEED_ACCESSED = "2022-11-08"

# Which question brings up which seed figure, and the publisher it is credited to.
SEED_ANSWERS = [
    ("ask_pay_median", [], "$131,490", "US Bureau of Labor Statistics"),
    ("ask_pay_average", [], "$125,672", "Indeed"),
    ("ask_pay", [{"entity": "pay_statistic", "value": "mean"}], "$125,672", "Indeed"),
    ("ask_pay", [{"entity": "pay_statistic", "value": "Median"}], "$131,490", "US Bureau of Labor Statistics"),
    ("ask_outlook", [], "21%", "US Bureau of Labor Statistics"),
    ("ask_postings_growth", [], "344%", "Coursera"),
    ("ask_postings_growth", [{"entity": "data_source", "value": "Indeed"}], "#1 job of 2019", "Indeed"),
    ("ask_courses", [{"entity": "data_source", "value": "stanford"}], "220,274", "Coursera"),
]
