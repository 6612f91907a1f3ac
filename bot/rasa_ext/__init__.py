"""What changes Rasa 3.6 as this project runs it.

left_out      the libraries this install leaves out (TensorFlow, JAX, unused channels'
              libraries), the guard that makes importing them fail with a clear message,
              and stand-ins for the Rasa modules that import them at their top
spacy_nlp     Rasa's SpacyNLP component (config.yml), loading the spaCy pipeline once
lock_store    Rasa's Redis lock store with atomic tickets (endpoints.yml)
tracker_store Rasa's SQL tracker store, handing Rasa each conversation's recent turns
              kept in memory (endpoints.yml); recent: those turns
action_call   Rasa's plugin hook for the action request: sent without the events
framing       requests whose body framing Sanic mishandles (Content-Length: -1) refused
              with 400 on both servers (a signal of each channel's blueprint; rasa_sdk's
              plugin hook on the action server)
patches/      the fixes no extension point serves, one module each, with its pins and why
rasa_patched  importing it applies `patches` and registers `action_call`, once: what
              every Rasa process imports first
"""
