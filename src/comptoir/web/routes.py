from fastapi import FastAPI


def install_routes(app: FastAPI) -> None:
    pass
