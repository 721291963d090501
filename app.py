from planbuilder import create_app

app = create_app()
