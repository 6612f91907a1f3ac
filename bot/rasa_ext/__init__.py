"""What changes Rasa 3.6 as this project runs it.

left_out      the libraries this install leaves out (TensorFlow, JAX, unused channels'
              libraries), the guard that makes importing them fail with a clear message,
              and stand-ins for the Rasa modules that import them at their top
spacy_nlp     Rasa's SpacyNLP component (config.yml), loading the spaCy pipeline once
lock_store    Rasa's Redis lock store with atomic tickets (endpoints.yml)
recent        each message handled on the conversation's last turns, kept in memory
patches       the fixes no extension point serves, each pinned to the Rasa source it changes
rasa_patched  importing it applies `patches` once: what every Rasa process imports first
"""
