"""Serializer pieces shared by every resource: strict input (unknown and
read-only fields are refused by name) and model validation (full_clean, the
same rules as the admin) before anything is written."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.serializers import as_serializer_error

from incidents import publishing
from incidents.citations import absolute_url


@extend_schema_field(OpenApiTypes.URI)
class WebUrlField(serializers.SerializerMethodField):
    """The item's page on the website, absolute."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Address of the item's page on the website.")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return absolute_url(value.get_absolute_url())


class StrictModelSerializer(serializers.ModelSerializer):
    """Refuses unknown and read-only fields with 400 naming them, and runs the
    model's full_clean so API writes obey the admin's validation."""

    #: model fields not set through this serializer, skipped by full_clean
    clean_exclude: tuple[str, ...] = ()

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {"non_field_errors": ["Send a JSON object."]}, code="invalid"
            )
        errors = {}
        for name in data:
            field = self.fields.get(name)
            if field is None:
                errors[name] = [serializers.ErrorDetail("Unknown field.", code="unknown_field")]
            elif field.read_only:
                errors[name] = [serializers.ErrorDetail("This field is read-only and cannot be set.", code="read_only")]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def full_clean(self, instance):
        exclude = list(self.clean_exclude)
        try:
            instance.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(as_serializer_error(exc)) from None

    def _assign(self, instance, validated_data):
        many = {}
        for name, value in validated_data.items():
            model_field = instance._meta.get_field(name) if name in {f.name for f in instance._meta.get_fields()} else None
            if model_field is not None and model_field.many_to_many:
                many[name] = value
            else:
                setattr(instance, name, value)
        return many

    def _save(self, instance, validated_data):
        many = self._assign(instance, validated_data)
        self.authorise(instance)
        self.full_clean(instance)
        with transaction.atomic():
            self.before_save(instance)
            instance.save()
            for name, value in many.items():
                getattr(instance, name).set(value)
            self.after_save(instance)
        return instance

    def authorise(self, instance):
        """Refuse (403, with the reason) a write the requester may not make
        with the values assigned; incidents.publishing has the rule."""

    def check_write(self, **touched):
        request = self.context.get("request")
        try:
            publishing.check_write(request.user if request else None, **touched)
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from None

    def before_save(self, instance):
        pass

    def after_save(self, instance):
        pass

    def create(self, validated_data):
        return self._save(self.Meta.model(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)
