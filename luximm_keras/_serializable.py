"""The one registration decorator every public class uses, so saved `.keras` files always name
`luximm_keras>ClassName`, whatever module the class lives in."""

import keras

PACKAGE = "luximm_keras"

serializable = keras.saving.register_keras_serializable(package=PACKAGE)
