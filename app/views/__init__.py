"""The screens. A view renders a view-model (or a service's data) and holds no business rule."""
