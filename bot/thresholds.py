"""The numbers the responder decides by: how much of a question an entry must account for,
and how sure an intent must be (bot/responder.py and bot/handlers/ read them; the dev set
tunes them)."""

# How much of a question's term weight (bot.retrieval coverage) an entry must hold.
ANSWER_COVERAGE = 0.45  # to answer a question on retrieval alone
DETAIL_COVERAGE = 0.5  # for a later fact to lead instead of the intent's topic
DETAIL_MARGIN = 1.15  # for a lead fact to come first: outscore the other lead facts by this
DETAIL_GAIN = 0.15  # ... a later fact must hold this much more of the question than they do
CROSS_TOPIC_COVERAGE = 0.8  # for a fact of another topic to lead (and two terms at least)
FOLLOW_UP_COVERAGE = 0.3  # for a fact of the last answer's topic to answer a follow-up
FOLLOW_UP_SLACK = 0.2  # ... unless a fact elsewhere holds this much more of the message
OVERRIDE_COVERAGE = 0.6  # for a question to win over a chitchat intent
GAP_COVERAGE = 0.45  # for a known gap to be named
INTENT_COVERAGE = 0.5  # for a training example to lend its intent's topic
INTENT_MARGIN = 0.2  # ... over the best fact's coverage (facts are preferred)
PLAIN_SIMILARITY = 0.6  # for a question of stop words only to take a training example's intent
LEANING_COVERAGE = 0.6  # for a message leaning on the last answer to stay on its topic
CONFIDENT = 0.6  # an intent this sure is a topic prior
SECOND_OPINION = 0.6  # where no entry holds enough of a question: the n-gram classifier this sure decides
BOT_CHALLENGE_SURE = 0.9  # "are you a bot?" read this surely needs no word naming the bot ("who's this?")
CHITCHAT_CONFIDENT = 0.55  # a greeting, thanks ... this sure needs no word of its own
SHORT = 5  # a message with at most this many content words may be a follow-up
LONE_WORD_PHRASE = 0.75  # for one word of an off-topic message to find a fact: a phrase this close
PHRASE_SIMILARITY = 0.6  # for a question of stop words only to take an `asks` phrase's fact
COUNT_PHRASE_SIMILARITY = 0.35  # ... of the last answer's topic, where both ask how many or how much
CHAT_PHRASE_SIMILARITY = 0.75  # ... and for one the classifier took for chitchat or "tell me more"
PHRASE_WORDS = 3  # ... it needs this many words (not the domain's own, not fillers)
