"""What changes Rasa 3.6 as this project runs it.

left_out   the libraries this install leaves out (TensorFlow, JAX, unused channels'
           libraries), the guard that makes importing them fail with a clear message,
           and stand-ins for the Rasa modules that import them at their top
spacy_nlp  Rasa's SpacyNLP component, loading the spaCy pipeline once per process
"""
